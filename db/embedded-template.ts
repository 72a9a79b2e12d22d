import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { migrationsFolder, runMigrations } from './migrate.ts'
import { openMemoryEmbedded, type EmbeddedSeed } from './embedded.ts'

/**
 * A migrated embedded database, made once (at `npm install`, or by the test setup) instead of running
 * initdb and every migration (~5 s) on a first start or in each test file. Two forms:
 * - a dump (tar) that the test files load into in-memory databases;
 * - a ready data directory that a first `npm start` copies and opens like an existing database,
 *   which skips unpacking the dump through PGlite's file system (about a second).
 */

/** Changes whenever any migration changes, so a stale image is never used. */
export function migrationsKey(): string {
  const hash = createHash('sha256')
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else hash.update(entry.name).update(readFileSync(path))
    }
  }
  walk(migrationsFolder)
  return hash.digest('hex').slice(0, 12)
}

export function embeddedTemplateFile(): string {
  return resolve(import.meta.dirname, `../node_modules/.cache/uplink/embedded-${migrationsKey()}.tar`)
}

/** The ready data directory for the current migrations (made from the dump). */
export function embeddedTemplateDir(): string {
  return embeddedTemplateFile().replace(/\.tar$/, '.pgdata')
}

/** Builds the dump and the data directory if they are missing; returns the dump's path. */
export async function ensureEmbeddedTemplate(): Promise<string> {
  const file = embeddedTemplateFile()
  if (!existsSync(file)) {
    const db = await openMemoryEmbedded()
    try {
      await runMigrations(db.url)
      const dump = await db.pg.dumpDataDir('none')
      mkdirSync(dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()))
      renameSync(tmp, file)
    } finally {
      await db.close()
    }
  }
  const dir = embeddedTemplateDir()
  if (!existsSync(dir)) {
    // Load the dump into a directory once and shut down cleanly: what a first start would do.
    const tmp = `${dir}.${process.pid}.tmp`
    rmSync(tmp, { recursive: true, force: true })
    const pg = await PGlite.create(tmp, { extensions: { pg_trgm }, loadDataDir: new Blob([readFileSync(file)]) })
    await pg.close()
    try {
      renameSync(tmp, dir)
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true })
      if (!existsSync(dir)) throw err // another process made it meanwhile otherwise
    }
  }
  return file
}

/** The prepared database for the current migrations, if built (nothing is read until it is used). */
export function embeddedTemplate(): EmbeddedSeed | undefined {
  const file = embeddedTemplateFile()
  if (!existsSync(file)) return undefined
  const dir = embeddedTemplateDir()
  return existsSync(dir) ? { file, dir } : { file }
}
