import type { Config } from '../config/index.ts'
import { connect, type DbHandle } from './client.ts'
import { openEmbedded } from './embedded.ts'
import { embeddedTemplate } from './embedded-template.ts'
import { join } from 'node:path'

/** The database the configuration names: DATABASE_URL, or the embedded one in DATA_DIR. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL'>): Promise<DbHandle> {
  if (config.DATABASE_URL) return connect(config.DATABASE_URL, { max: config.DB_POOL })
  const embedded = await openEmbedded(join(config.DATA_DIR, 'db'), embeddedTemplate())
  return connect(embedded.url, { max: 4, onClose: () => embedded.close() })
}
