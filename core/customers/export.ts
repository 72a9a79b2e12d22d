import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { DbOrTx } from '../../db/client.ts'
import type { Actor } from '../partners/scope.ts'
import { getCustomFieldDefs } from './custom-fields.ts'
import { CSV_COLUMNS, CUSTOM_PREFIX } from './csv-columns.ts'
import { iterateCustomers, type CustomerQuery } from './search.ts'

/**
 * The filtered customer list as a CSV stream (header row first), in the list's order. The columns are
 * the ones the import reads, so an export can be edited and imported elsewhere.
 */
export async function exportCustomersCsv(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): Promise<Readable> {
  const defs = await getCustomFieldDefs(db)
  const header = [...CSV_COLUMNS.map(([col]) => col), ...defs.map((d) => `${CUSTOM_PREFIX}${d.name}`)]
  const records = async function* () {
    yield header
    for await (const row of iterateCustomers(db, actor, query)) {
      const r = row as unknown as Record<string, unknown>
      yield [
        ...CSV_COLUMNS.map(([, field]) => r[field] ?? ''),
        ...defs.map((d) => row.customFields[d.name] ?? ''),
      ]
    }
  }
  return Readable.from(records()).pipe(stringify())
}
