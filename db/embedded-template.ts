import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { migrationsFolder, runMigrations } from './migrate.ts'
import { openMemoryEmbedded } from './embedded.ts'

/**
 * A migrated embedded database, dumped once (at `npm install`, or by the test setup) and loaded in
 * ~1 s instead of running initdb and every migration (~5 s) on a first start or in each test file.
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

/** Builds the image if it is missing; returns its path. */
export async function ensureEmbeddedTemplate(): Promise<string> {
  const file = embeddedTemplateFile()
  if (existsSync(file)) return file
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
  return file
}

/** The image for the current migrations, if built. */
export function embeddedTemplate(): Blob | undefined {
  const file = embeddedTemplateFile()
  return existsSync(file) ? new Blob([readFileSync(file)]) : undefined
}
