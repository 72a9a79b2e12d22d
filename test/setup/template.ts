import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { migrationsFolder } from '../../db/migrate.ts'

/** A name that changes whenever a migration changes, so a stale template is never reused. */
export function templateKey(): string {
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

export const templateDbName = () => `uplink_tpl_${templateKey()}`
export const embeddedTemplateFile = () => resolve(import.meta.dirname, `../../node_modules/.cache/uplink/tpl-${templateKey()}.tar.gz`)
