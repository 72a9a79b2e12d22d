import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openAsBlob,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { EmbeddedPgServer } from './embedded-server.ts'

export interface EmbeddedDatabase {
  url: string
  pg: PGlite
  close(): Promise<void>
}

export class EmbeddedLockedError extends Error {
  constructor(dir: string, pid: string) {
    super(
      `The embedded database in ${dir} is in use by another Uplink process (pid ${pid}). ` +
        'Stop that process, or set DATABASE_URL to share a PostgreSQL server between processes.',
    )
    this.name = 'EmbeddedLockedError'
  }
}

/** A migrated database to start a new one from: its dump (tar), and a ready data directory made from it. */
export interface EmbeddedSeed {
  file: string
  dir?: string
}

/**
 * Opens (creating if needed) the embedded PostgreSQL in `dir` and serves it on a loopback port.
 * A new database starts from `seed` (a migrated database) when given: a copy of its data directory
 * when there is one (opening it costs what reopening costs), else its dump loaded by PGlite.
 */
export async function openEmbedded(dir: string, seed?: EmbeddedSeed | Blob): Promise<EmbeddedDatabase> {
  const abs = resolve(dir)
  mkdirSync(abs, { recursive: true })
  const release = takeLock(join(abs, 'uplink.lock'), abs)
  try {
    const dataDir = join(abs, 'pg')
    const fresh = !existsSync(dataDir) || readdirSync(dataDir).length === 0
    let loadDataDir: Blob | undefined
    if (fresh && seed) {
      if (seed instanceof Blob) loadDataDir = seed
      else if (seed.dir && existsSync(seed.dir)) {
        // Copied beside and renamed, so that an interrupted copy never looks like a database.
        const tmp = `${dataDir}.tmp`
        rmSync(tmp, { recursive: true, force: true })
        cpSync(seed.dir, tmp, { recursive: true })
        rmSync(dataDir, { recursive: true, force: true })
        renameSync(tmp, dataDir)
      } else loadDataDir = await openAsBlob(seed.file)
    }
    const pg = await PGlite.create(dataDir, { extensions: { pg_trgm }, ...(loadDataDir ? { loadDataDir } : {}) })
    return await serve(pg, release)
  } catch (err) {
    release()
    throw err
  }
}

/** An in-memory embedded database, optionally loaded from a dumped data directory (tests). */
export async function openMemoryEmbedded(loadDataDir?: Blob): Promise<EmbeddedDatabase> {
  const pg = await PGlite.create({ extensions: { pg_trgm }, ...(loadDataDir ? { loadDataDir } : {}) })
  return serve(pg, () => {})
}

async function serve(pg: PGlite, release: () => void): Promise<EmbeddedDatabase> {
  const server = new EmbeddedPgServer(pg)
  const url = await server.start()
  return {
    url,
    pg,
    async close() {
      await server.stop()
      await pg.close()
      release()
    },
  }
}

function takeLock(file: string, dir: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        try {
          unlinkSync(file)
        } catch {
          // already gone
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = readFileSync(file, 'utf8').trim()
      if (pid && isAlive(Number(pid)) && Number(pid) !== process.pid) throw new EmbeddedLockedError(dir, pid)
      if (existsSync(file)) unlinkSync(file) // stale lock of a process that died
    }
  }
  throw new Error(`cannot lock ${file}`)
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
