import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { settings } from './schema.ts'

/** Settings key of a plugin or core module: core modules under their own name, plugins under `plugin:<name>`. */
export function settingsKey(owner: string): string {
  return owner.startsWith('core:') ? owner : `plugin:${owner}`
}

/** The stored raw value of a key, or undefined. (Light on imports: job workers load it.) */
export async function readSetting(db: DbOrTx, key: string): Promise<unknown> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key))
  return row?.value
}
