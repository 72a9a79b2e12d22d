/**
 * The FreeRADIUS 3 baseline: its own database on the same PostgreSQL with the stock rlm_sql schema
 * (radcheck, radreply, nas, radacct, ...), a configuration generated from templates/radiusd.conf into a
 * temporary directory, and `freeradius -f` (foreground, no debug output) on ports of our choosing.
 * The stock schema and queries come from the installed freeradius-config package, so the baseline is
 * Debian's own rlm_sql, not our reading of it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import postgres from 'postgres'

export interface RadiusSubscriber {
  login: string
  password: string
  rateLimit: string
}

function packageFiles(pkg: string): string[] {
  try {
    return execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8' }).split('\n')
  } catch {
    return []
  }
}

function hasFreeradius(): boolean {
  return packageFiles('freeradius-postgresql').some((f) => f.endsWith('rlm_sql_postgresql.so')) && commandExists('freeradius')
}

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Installs Debian's freeradius and freeradius-postgresql when missing (as root); throws otherwise. */
export function ensureFreeradius(): void {
  if (hasFreeradius()) return
  if (process.getuid?.() !== 0) throw new Error('bench:radius needs FreeRADIUS: apt-get install freeradius freeradius-postgresql')
  console.log('installing freeradius and freeradius-postgresql')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'freeradius', 'freeradius-postgresql'], { stdio: 'inherit', env })
}

interface Installed {
  queries: string
  schema: string
  libdir: string
}

function installed(): Installed {
  const config = packageFiles('freeradius-config')
  const find = (list: string[], suffix: string) => {
    const hit = list.find((f) => f.endsWith(suffix))
    if (!hit) throw new Error(`FreeRADIUS file *${suffix} not found in its Debian package`)
    return hit
  }
  return {
    queries: find(config, '/sql/main/postgresql/queries.conf'),
    schema: find(config, '/sql/main/postgresql/schema.sql'),
    libdir: dirname(find(packageFiles('freeradius'), '/rlm_sql.so')),
  }
}

/**
 * (Re)creates `database` with the stock rlm_sql schema: one radcheck Cleartext-Password row and two
 * radreply rows (Mikrotik-Rate-Limit, Acct-Interim-Interval) per subscriber, and the NAS.
 */
export async function prepareFreeradiusDatabase(
  adminUrl: string,
  database: string,
  subscribers: readonly RadiusSubscriber[],
  nas: { address: string; secret: string },
): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists ${database} with (force)`)
  await admin.unsafe(`create database ${database}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe(readFileSync(installed().schema, 'utf8'))
    const batch = 20_000
    for (let i = 0; i < subscribers.length; i += batch) {
      const part = subscribers.slice(i, i + batch)
      const logins = part.map((s) => s.login)
      await sql`
        insert into radcheck (username, attribute, op, value)
        select u, 'Cleartext-Password', ':=', p from unnest(${sql.array(logins)}::text[], ${sql.array(part.map((s) => s.password))}::text[]) as t(u, p)`
      await sql`
        insert into radreply (username, attribute, op, value)
        select u, a, '=', v from unnest(${sql.array(logins)}::text[], ${sql.array(part.map((s) => s.rateLimit))}::text[]) as t(u, r),
          lateral (values ('Mikrotik-Rate-Limit', r), ('Acct-Interim-Interval', '300')) as x(a, v)`
    }
    await sql`insert into nas (nasname, shortname, type, secret) values (${nas.address}, 'bench-nas', 'other', ${nas.secret})`
    await sql`vacuum analyze`
  } finally {
    await sql.end()
  }
  return url.toString()
}

export interface FreeradiusOptions {
  databaseUrl: string
  authPort: number
  acctPort: number
  /** Worker threads and SQL connections. */
  threads: number
}

export interface RunningFreeradius {
  dir: string
  stop(): Promise<void>
}

function render(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`template placeholder {{${key}}} has no value`)
    return String(values[key])
  })
}

/** Escapes a value for a double-quoted FreeRADIUS configuration string. */
const quoted = (value: string) => value.replace(/["\\$]/g, (c) => `\\${c}`)

async function waitFor(check: () => boolean, ms: number, what: string, child: ChildProcess, log: string): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (child.exitCode !== null || Date.now() > until) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-30).join('\n') : '(no log)'
      throw new Error(`FreeRADIUS ${child.exitCode !== null ? `exited with ${child.exitCode}` : `did not get ${what}`}:\n${tail}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Writes the configuration into a new temporary directory and starts `freeradius -f -d <dir>`. */
export async function startFreeradius(options: FreeradiusOptions): Promise<RunningFreeradius> {
  const files = installed()
  const dir = mkdtempSync(join(tmpdir(), 'uplink-bench-freeradius-'))
  for (const sub of ['log', 'run', 'mods-config/sql/main/postgresql']) mkdirSync(join(dir, sub), { recursive: true })
  writeFileSync(join(dir, 'mods-config/sql/main/postgresql/queries.conf'), readFileSync(files.queries))
  // FreeRADIUS reads <raddb>/dictionary for local additions; the stock dictionaries (MikroTik included) come from its share directory.
  writeFileSync(join(dir, 'dictionary'), '')
  const db = new URL(options.databaseUrl)
  const template = readFileSync(new URL('./templates/radiusd.conf', import.meta.url), 'utf8')
  writeFileSync(
    join(dir, 'radiusd.conf'),
    render(template, {
      dir,
      libdir: files.libdir,
      authPort: options.authPort,
      acctPort: options.acctPort,
      threads: options.threads,
      dbHost: quoted(db.hostname),
      dbPort: db.port || '5432',
      dbUser: quoted(decodeURIComponent(db.username)),
      dbPassword: quoted(decodeURIComponent(db.password)),
      dbName: quoted(db.pathname.slice(1)),
    }),
  )
  const log = join(dir, 'log/radius.log')
  const child = spawn('freeradius', ['-f', '-d', dir], { stdio: ['ignore', 'inherit', 'inherit'] })
  const orphaned = () => child.kill('SIGTERM')
  process.once('exit', orphaned)
  try {
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('Ready to process requests'), 20_000, 'ready', child, log)
  } catch (error) {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    dir,
    async stop() {
      process.off('exit', orphaned)
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
