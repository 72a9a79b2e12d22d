// What every benchmark script shares: whole-number options, a seconds timer, a database of its own on the
// PostgreSQL server of DATABASE_URL (fresh or reused), CPU time from /proc, and a CPU profile.
import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import postgres from 'postgres'
import { runMigrations } from '../../db/migrate.ts'

/** `--name N` from the command line, a positive whole number. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a positive whole number`)
    process.exit(64)
  }
  return v
}

/** Seconds since `from` (a performance.now() reading), two decimals. */
export const seconds = (from: number) => +((performance.now() - from) / 1000).toFixed(2)

/** DATABASE_URL (the benches need a real PostgreSQL server), or exit with why. */
function baseUrl(bench: string): string {
  const base = process.env.DATABASE_URL
  if (!base) {
    console.error(`bench:${bench} needs DATABASE_URL (a real PostgreSQL server)`)
    process.exit(64)
  }
  return base
}

/** The URL of database `name` on DATABASE_URL's server. */
function urlOf(base: string, name: string): string {
  const target = new URL(base)
  target.pathname = `/${name}`
  return target.toString()
}

/** Drops and recreates database `name` next to DATABASE_URL's, migrates it, and returns its URL. */
export async function freshBenchDatabase(name: string, bench: string): Promise<string> {
  const base = baseUrl(bench)
  const admin = postgres(base, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists ${name} with (force)`)
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const url = urlOf(base, name)
  console.log(`database ${name}: migrating`)
  await runMigrations(url)
  return url
}

/** The URL of an existing bench database, migrated to the current schema; null when it does not exist. */
export async function benchDatabase(name: string, bench: string): Promise<string | null> {
  const base = baseUrl(bench)
  const admin = postgres(base, { max: 1, onnotice: () => {} })
  const [found] = await admin`select 1 from pg_database where datname = ${name}`
  await admin.end()
  if (!found) return null
  const url = urlOf(base, name)
  await runMigrations(url)
  return url
}

/**
 * CPU time of a process or thread from /proc (`/proc/<pid>/stat`, or `/proc/self/task/<tid>/stat` for one
 * thread) in µs; null when it cannot be read (a remote server, a process that has ended). Linux only;
 * CPU time holds on a busy machine where wall-clock time does not.
 */
export function procCpuUs(statPath: string): { user: number; system: number } | null {
  try {
    const stat = readFileSync(statPath, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const tick = 10_000 // USER_HZ is 100: one tick is 10 ms
    return { user: Number(fields[11]) * tick, system: Number(fields[12]) * tick }
  } catch {
    return null
  }
}

/** With `--profile <file>`: a CPU profile of this thread from now until stop() (the measured phase). */
export async function startProfile(): Promise<{ stop(): Promise<void> } | null> {
  const i = process.argv.indexOf('--profile')
  if (i < 0) return null
  const file = process.argv[i + 1] ?? 'panel.cpuprofile'
  const session = new Session()
  session.connect()
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session.post(method, (err, res) => (err ? reject(err) : resolve(res))))
  await post('Profiler.enable')
  await post('Profiler.start')
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown }
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
      console.log(`  CPU profile: ${file}`)
    },
  }
}

