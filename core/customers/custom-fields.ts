import { eq } from 'drizzle-orm'
import { Temporal } from 'temporal-polyfill'
import type { DbOrTx } from '../../db/client.ts'
import type { Clock } from '../kernel/clock.ts'
import { ValidationError, type FieldError } from '../kernel/errors.ts'
import { auditChange } from '../partners/audit.ts'
import type { Actor } from '../partners/scope.ts'
import { settings } from '../settings/schema.ts'

export const CUSTOM_FIELDS_SETTING = 'customers.custom_fields'
export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'select'] as const
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number]

/** An admin-defined extra field on every customer. */
export interface CustomFieldDef {
  name: string
  label: string
  type: CustomFieldType
  required: boolean
  /** Choices of a select field. */
  options?: string[]
}

export async function getCustomFieldDefs(db: DbOrTx): Promise<CustomFieldDef[]> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, CUSTOM_FIELDS_SETTING))
  return Array.isArray(row?.value) ? (row.value as CustomFieldDef[]) : []
}

const NAME = /^[a-z][a-z0-9_]{0,39}$/

/** Checks and normalises a list of definitions; errors name `fields.<index>.<property>`. */
export function validateCustomFieldDefs(input: unknown): CustomFieldDef[] {
  if (!Array.isArray(input)) throw new ValidationError([{ field: 'fields', message: 'must be a list' }])
  const errors: FieldError[] = []
  const seen = new Set<string>()
  const defs: CustomFieldDef[] = []
  input.forEach((raw: Record<string, unknown>, i) => {
    const name = typeof raw?.name === 'string' ? raw.name.trim() : ''
    const label = typeof raw?.label === 'string' && raw.label.trim() ? raw.label.trim() : name
    const type = raw?.type as CustomFieldType
    if (!NAME.test(name)) errors.push({ field: `fields.${i}.name`, message: 'must be lower-case letters, digits and _ (starting with a letter)' })
    else if (seen.has(name)) errors.push({ field: `fields.${i}.name`, message: 'is used twice' })
    seen.add(name)
    if (!CUSTOM_FIELD_TYPES.includes(type)) errors.push({ field: `fields.${i}.type`, message: 'must be text, number, date or select' })
    const options = Array.isArray(raw?.options)
      ? raw.options.map((o) => String(o).trim()).filter(Boolean)
      : typeof raw?.options === 'string'
        ? raw.options.split(',').map((o) => o.trim()).filter(Boolean)
        : []
    if (type === 'select' && options.length === 0) errors.push({ field: `fields.${i}.options`, message: 'a select field needs options' })
    const required = raw?.required === true || raw?.required === 'true' || raw?.required === 'on'
    defs.push({ name, label, type, required, ...(type === 'select' ? { options } : {}) })
  })
  if (errors.length) throw new ValidationError(errors)
  return defs
}

export async function saveCustomFieldDefs(db: DbOrTx, clock: Clock, actor: Actor, input: unknown): Promise<CustomFieldDef[]> {
  const defs = validateCustomFieldDefs(input)
  return db.transaction(async (tx) => {
    const before = await getCustomFieldDefs(tx)
    await tx
      .insert(settings)
      .values({ key: CUSTOM_FIELDS_SETTING, value: defs, updatedAt: clock.now() })
      .onConflictDoUpdate({ target: settings.key, set: { value: defs, updatedAt: clock.now() } })
    await auditChange(tx, clock, actor, { action: 'setting.update', entity: 'setting', entityId: CUSTOM_FIELDS_SETTING, before, after: defs })
    return defs
  })
}

/**
 * Validates custom field values against the definitions. Values are stored as strings (numbers in
 * canonical form, dates as ISO). Unknown names are refused. With `partial`, required fields not present
 * in the input are not checked (an update that does not touch them).
 */
export function validateCustomValues(
  defs: CustomFieldDef[],
  input: Record<string, unknown>,
  current: Record<string, string>,
  partial: boolean,
): { values: Record<string, string>; errors: FieldError[] } {
  const errors: FieldError[] = []
  const values: Record<string, string> = { ...current }
  const byName = new Map(defs.map((d) => [d.name, d]))
  for (const key of Object.keys(input)) {
    if (!byName.has(key)) errors.push({ field: `customFields.${key}`, message: 'is not a defined custom field' })
  }
  for (const def of defs) {
    const field = `customFields.${def.name}`
    if (!(def.name in input)) {
      if (!partial && def.required && !values[def.name]) errors.push({ field, message: 'is required' })
      continue
    }
    const raw = input[def.name]
    const text = raw === null || raw === undefined ? '' : String(raw).trim()
    if (text === '') {
      if (def.required) errors.push({ field, message: 'is required' })
      delete values[def.name]
      continue
    }
    if (def.type === 'number') {
      if (!/^-?\d+(\.\d+)?$/.test(text)) errors.push({ field, message: 'must be a number' })
      else values[def.name] = text
    } else if (def.type === 'date') {
      if (!isIsoDate(text)) errors.push({ field, message: 'must be a date YYYY-MM-DD' })
      else values[def.name] = text
    } else if (def.type === 'select') {
      if (!def.options?.includes(text)) errors.push({ field, message: `must be one of ${def.options?.join(', ')}` })
      else values[def.name] = text
    } else if (text.length > 1000) errors.push({ field, message: 'must be at most 1000 characters' })
    else values[def.name] = text
  }
  return { values, errors }
}

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  try {
    Temporal.PlainDate.from(text, { overflow: 'reject' })
    return true
  } catch {
    return false
  }
}
