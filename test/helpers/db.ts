import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { connect, type DbHandle } from '../../db/client.ts'
import { openMemoryEmbedded } from '../../db/embedded.ts'
import { setPasswordHashCost } from '../../core/admins/passwords.ts'
import { embeddedTemplateFile, templateDbName } from '../setup/template.ts'

// Every test file with a database creates and signs in accounts; argon2's defaults would spend minutes
// of CI's CPU on them. Hashes stay argon2id (the checks on their format hold), only cheaper.
setPasswordHashCost({ memoryCost: 1024, timeCost: 1, parallelism: 1 })

/**
 * A database of its own for one test file, already migrated: a copy of the template database on
 * PostgreSQL when DATABASE_URL is set, otherwise an in-memory embedded one loaded from the template dump.
 */
export async function testDatabase(options: { max?: number } = {}): Promise<DbHandle> {
  const url = process.env.DATABASE_URL
  if (url) {
    const name = `uplink_t_${process.pid}_${randomBytes(3).toString('hex')}`
    const admin = postgres(url, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database "${name}" template "${templateDbName()}"`)
    await admin.end()
    const target = new URL(url)
    target.pathname = `/${name}`
    return connect(target.toString(), {
      max: options.max ?? 5,
      onClose: async () => {
        const cleanup = postgres(url, { max: 1, onnotice: () => {} })
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`)
        await cleanup.end()
      },
    })
  }
  const dump = new Blob([readFileSync(embeddedTemplateFile())])
  const embedded = await openMemoryEmbedded(dump)
  return connect(embedded.url, { max: options.max ?? 4, onClose: () => embedded.close() })
}
