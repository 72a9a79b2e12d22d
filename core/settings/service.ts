import { eq } from 'drizzle-orm'
import type { DbOrTx, Db } from '../../db/client.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import { ValidationError, type FieldError } from '../kernel/errors.ts'
import { parsePattern } from '../finance/numbering.ts'
import { settings } from './schema.ts'
import { readSetting, settingsKey } from './store.ts'
import { resolveValues, type JsonSchema } from './values.ts'

export { readSetting, settingsKey }

/** Extra checks a schema cannot express (a real IANA time zone, ...), keyed by the `x-check` schema option. */
const checks: Record<string, (value: unknown) => string | null> = {
  'time-zone': (v) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: String(v) })
      return null
    } catch {
      return 'is not a known time zone (use an IANA name like Europe/Warsaw)'
    }
  },
  'number-pattern': (v) => {
    try {
      parsePattern(String(v))
      return null
    } catch (err) {
      return err instanceof ValidationError ? (err.fields[0]?.message ?? err.message) : String(err)
    }
  },
}

function extraErrors(schema: JsonSchema, value: Record<string, unknown>, prefix = ''): FieldError[] {
  const out: FieldError[] = []
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const field = prefix ? `${prefix}.${key}` : key
    const v = value[key]
    const check = typeof prop['x-check'] === 'string' ? checks[prop['x-check']] : undefined
    if (check && v !== undefined) {
      const message = check(v)
      if (message) out.push({ field, message })
    }
    if (prop.properties && typeof v === 'object' && v !== null)
      out.push(...extraErrors(prop, v as Record<string, unknown>, field))
  }
  return out
}

/** Validates a value against a schema after filling defaults; the errors name each field. */
export function validateSettings(
  schema: JsonSchema,
  value: unknown,
): { value: Record<string, unknown>; errors: FieldError[] } {
  const resolved = resolveValues(schema, value)
  const known = new Set(resolved.errors.map((e) => e.field))
  const extra = extraErrors(schema, resolved.value).filter((e) => !known.has(e.field))
  return { value: resolved.value, errors: [...resolved.errors, ...extra] }
}

/** The settings under `key`, filled with defaults and validated; ValidationError names the bad fields. */
export async function getSettings<T extends Record<string, unknown> = Record<string, unknown>>(
  db: DbOrTx,
  key: string,
  schema: JsonSchema,
): Promise<T> {
  const { value, errors } = validateSettings(schema, await readSetting(db, key))
  if (errors.length)
    throw new ValidationError(
      errors,
      `Stored settings "${key}" are invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    )
  return value as T
}

export interface SettingsChange {
  actor: Actor
  ip?: string | null
  at?: Date
}

/**
 * Validates and stores the settings under `key` in one transaction with its audit record.
 * Throws ValidationError (nothing saved) when a field is wrong.
 */
export async function saveSettings(
  db: Db,
  key: string,
  schema: JsonSchema,
  input: unknown,
  change: SettingsChange,
): Promise<Record<string, unknown>> {
  const { value, errors } = validateSettings(schema, input)
  if (errors.length) throw new ValidationError(errors)
  const at = change.at ?? new Date()
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ value: settings.value })
      .from(settings)
      .where(eq(settings.key, key))
      .for('update')
    await tx
      .insert(settings)
      .values({ key, value, updatedAt: at })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: at } })
    await recordAudit(tx, {
      actor: change.actor,
      ip: change.ip ?? null,
      at,
      action: 'settings.update',
      entity: 'settings',
      entityId: key,
      before: before?.value ?? null,
      after: value,
    })
  })
  return value
}
