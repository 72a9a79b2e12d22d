import { parse } from 'csv-parse/sync'
import type { DbOrTx } from '../../db/client.ts'
import { ValidationError, type FieldError } from '../kernel/errors.ts'
import { auditChange } from '../partners/audit.ts'
import type { Actor } from '../partners/scope.ts'
import { getCustomFieldDefs } from './custom-fields.ts'
import { CSV_ALIASES, CSV_COLUMNS, CUSTOM_PREFIX, headerKey } from './csv-columns.ts'
import { createCustomer, type CrmDeps } from './service.ts'
import type { CustomerInput } from './validation.ts'

export interface ImportRowError {
  /** Line of the file the row ends on (the header is line 1). */
  line: number
  message: string
  fields: FieldError[]
}

export interface ImportResult {
  dryRun: boolean
  /** Data rows read. */
  rows: number
  /** Rows imported (or, in a dry run, rows that would be). */
  imported: number
  createdIds: number[]
  errors: ImportRowError[]
  /** Columns that were not understood and so ignored. */
  ignoredColumns: string[]
}

export interface ImportOptions {
  dryRun?: boolean
  /** Partner for rows without a partner_id column. */
  partnerId?: number
}

class DryRunRollback extends Error {}

const FIELD_BY_COLUMN = new Map<string, string>(CSV_COLUMNS.map(([col, field]) => [col, field]))
const ALL_FIELDS = [...FIELD_BY_COLUMN.values(), 'portalPassword']

/**
 * Imports customers from CSV: the header row names the fields (export column names, camelCase names
 * and common aliases). Every row is created in its own transaction, so a bad row is reported with its
 * line and reason while the good rows import, and no row is ever half imported. A dry run checks every
 * row the same way (uniqueness included) and rolls each back.
 */
export async function importCustomersCsv(
  db: DbOrTx,
  deps: CrmDeps,
  actor: Actor,
  csv: string | Buffer,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const text = typeof csv === 'string' ? csv : csv.toString('utf8')
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? ''
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ','
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, { bom: true, delimiter, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records
  } catch (err) {
    throw new ValidationError([{ field: 'file', message: `is not valid CSV: ${(err as Error).message}` }])
  }
  const [head, ...data] = records
  if (!head) throw new ValidationError([{ field: 'file', message: 'is empty: the first row must name the columns' }])

  const defs = await getCustomFieldDefs(db)
  const customNames = new Set(defs.map((d) => d.name))
  const ignoredColumns: string[] = []
  const mapping = head.record.map((cell): { field: string } | { custom: string } | null => {
    const key = headerKey(cell)
    const flat = key.replace(/_/g, '')
    const field = FIELD_BY_COLUMN.get(key) ?? CSV_ALIASES[key] ?? ALL_FIELDS.find((f) => f.toLowerCase() === flat)
    if (field === 'id') {
      ignoredColumns.push(cell)
      return null
    }
    if (field) return { field }
    const custom = key.startsWith(CUSTOM_PREFIX) ? key.slice(CUSTOM_PREFIX.length) : key
    if (customNames.has(custom)) return { custom }
    if (cell) ignoredColumns.push(cell)
    return null
  })
  if (!mapping.some((m) => m && 'field' in m && m.field === 'name')) {
    throw new ValidationError([{ field: 'file', message: 'needs a "name" column' }])
  }

  const result: ImportResult = { dryRun: options.dryRun === true, rows: data.length, imported: 0, createdIds: [], errors: [], ignoredColumns }
  const loginsInFile = new Map<string, number>()
  for (const { record, info } of data) {
    const input: Record<string, unknown> = {}
    const customFields: Record<string, string> = {}
    mapping.forEach((m, i) => {
      const value = record[i]
      if (!m || value === undefined) return
      if ('custom' in m) customFields[m.custom] = value
      else input[m.field] = value
    })
    if (Object.keys(customFields).length) input.customFields = customFields
    if (input.partnerId === undefined || input.partnerId === '') {
      if (options.partnerId !== undefined) input.partnerId = options.partnerId
    }
    const login = typeof input.login === 'string' ? input.login.trim() : ''
    if (login && loginsInFile.has(login)) {
      const fields = [{ field: 'login', message: `is already used on line ${loginsInFile.get(login)} of this file` }]
      result.errors.push({ line: info.lines, message: describe(fields), fields })
      continue
    }
    try {
      if (result.dryRun) {
        await db.transaction(async (tx) => {
          await createCustomer(tx, deps, actor, input as CustomerInput)
          throw new DryRunRollback()
        })
      } else {
        const created = await createCustomer(db, deps, actor, input as CustomerInput)
        result.createdIds.push(created.id)
      }
      result.imported++
      if (login) loginsInFile.set(login, info.lines)
    } catch (err) {
      if (err instanceof DryRunRollback) {
        result.imported++
        if (login) loginsInFile.set(login, info.lines)
      } else if (err instanceof ValidationError) {
        result.errors.push({ line: info.lines, message: describe(err.fields), fields: err.fields })
      } else throw err
    }
  }
  if (!result.dryRun && result.imported > 0) {
    await auditChange(db, deps.clock, actor, {
      action: 'customer.import',
      entity: 'customer',
      entityId: 'import',
      after: { rows: result.rows, imported: result.imported, errors: result.errors.length, firstId: result.createdIds[0], lastId: result.createdIds.at(-1) },
    })
  }
  return result
}

function describe(fields: FieldError[]): string {
  return fields.map((f) => `${f.field}: ${f.message}`).join('; ')
}
