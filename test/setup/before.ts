// Runs once before the test files (tap's `before`): builds the migrated template database they copy.
import postgres from 'postgres'
import { runMigrations } from '../../db/migrate.ts'
import { ensureEmbeddedTemplate } from '../../db/embedded-template.ts'
import { templateDbName } from './template.ts'

const url = process.env.DATABASE_URL
if (url) {
  const name = templateDbName()
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin`select pg_advisory_lock(7411002)`
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`
    if (!found) {
      await admin.unsafe(`create database "${name}_build"`).catch(async () => {
        await admin.unsafe(`drop database "${name}_build"`)
        await admin.unsafe(`create database "${name}_build"`)
      })
      const target = new URL(url)
      target.pathname = `/${name}_build`
      await runMigrations(target.toString())
      await admin.unsafe(`alter database "${name}_build" rename to "${name}"`)
      await admin.unsafe(`alter database "${name}" is_template true`)
    }
    // Drop databases left behind by test files that were killed (their process is gone).
    const stale = await admin`select datname from pg_database where datname like 'uplink\_t\_%'`
    for (const row of stale) {
      const pid = Number(/^uplink_t_(\d+)_/.exec(row.datname)?.[1])
      if (pid && alive(pid)) continue
      await admin.unsafe(`drop database if exists "${row.datname}" with (force)`).catch(() => {})
    }
  } finally {
    await admin.end()
  }
} else {
  await ensureEmbeddedTemplate()
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
