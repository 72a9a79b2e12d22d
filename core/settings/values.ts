import { Value } from 'typebox/value'
import type { FieldError } from '../kernel/errors.ts'

/** A JSON-schema object as TypeBox builds it (also after a structured clone into a worker thread). */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  default?: unknown
  anyOf?: JsonSchema[]
  const?: unknown
  enum?: unknown[]
  items?: JsonSchema
  title?: string
  description?: string
  [key: string]: unknown
}

/** A TypeBox schema seen as the JSON schema it is. */
export const asJsonSchema = (schema: object): JsonSchema => schema as JsonSchema

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Fills defaults into a copy of `value`, walking the schema's properties. Works on plain JSON schemas,
 * so a worker thread gets the same result as the main thread. Required nested objects are created so
 * their own defaults apply.
 */
export function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  if (value === undefined && schema.default !== undefined) return structuredClone(schema.default)
  if (schema.properties && (isPlainObject(value) || value === undefined)) {
    const out: Record<string, unknown> = isPlainObject(value) ? { ...value } : {}
    const required = new Set(schema.required ?? [])
    for (const [key, prop] of Object.entries(schema.properties)) {
      const filled = applyDefaults(prop, out[key])
      if (filled !== undefined) out[key] = filled
      else if (prop.properties && required.has(key)) out[key] = applyDefaults(prop, {})
    }
    return out
  }
  return value
}

/** Errors of `value` against `schema`, one per field, named by dotted path ('mail.port'). */
export function fieldErrors(schema: JsonSchema, value: unknown): FieldError[] {
  const out: FieldError[] = []
  const seen = new Set<string>()
  for (const error of Value.Errors(schema as never, value)) {
    const base = error.instancePath.replace(/^\//, '').replaceAll('/', '.')
    const params = error.params as Record<string, unknown>
    const missing = params?.requiredProperties ?? params?.missingProperty
    const names = Array.isArray(missing) ? missing : typeof missing === 'string' ? [missing] : null
    if (error.keyword === 'required' && names) {
      for (const name of names) push(base ? `${base}.${name}` : String(name), 'is required')
      continue
    }
    // A union of literals reports one error per branch; say what is allowed instead.
    const schemaAt = schemaAtPath(schema, base)
    if (schemaAt?.anyOf?.every((s) => s.const !== undefined)) {
      push(base, `must be one of ${schemaAt.anyOf.map((s) => String(s.const)).join(', ')}`)
      continue
    }
    push(base || 'value', friendly(error.keyword, params, schemaAt) ?? error.message ?? 'is invalid')
  }
  return out

  function push(field: string, message: string): void {
    if (seen.has(field)) return
    seen.add(field)
    out.push({ field, message })
  }
}

/** Messages an admin understands, for the keywords settings forms hit. */
function friendly(
  keyword: string,
  params: Record<string, unknown>,
  schema: JsonSchema | undefined,
): string | null {
  const limit = params?.limit
  switch (keyword) {
    case 'minLength':
      return limit === 1 ? 'is required' : `must be at least ${limit} characters`
    case 'maxLength':
      return `must be at most ${limit} characters`
    case 'minimum':
      return `must be at least ${limit}`
    case 'maximum':
      return `must be at most ${limit}`
    case 'pattern':
      return typeof schema?.['x-format-hint'] === 'string'
        ? `must be ${schema['x-format-hint']}`
        : 'has the wrong format'
    case 'type':
      if (schema?.type === 'integer') return 'must be a whole number'
      if (schema?.type === 'number') return 'must be a number'
      if (schema?.type === 'boolean') return 'must be true or false'
      return `must be a ${String(schema?.type ?? 'value')}`
    default:
      return null
  }
}

export function schemaAtPath(schema: JsonSchema, path: string): JsonSchema | undefined {
  let at: JsonSchema | undefined = schema
  for (const part of path ? path.split('.') : []) at = at?.properties?.[part]
  return at
}

/** Defaults applied, then checked: the value to use, or the field errors that prevent it. */
export function resolveValues(
  schema: JsonSchema,
  stored: unknown,
): { value: Record<string, unknown>; errors: FieldError[] } {
  const value = applyDefaults(schema, stored ?? {}) as Record<string, unknown>
  const errors = fieldErrors(schema, value)
  return { value: Value.Clean(schema as never, structuredClone(value)) as Record<string, unknown>, errors }
}

/** Fields that are required but have no default: a plugin with them could not boot before being configured. */
export function fieldsWithoutDefault(schema: JsonSchema): string[] {
  return fieldErrors(schema, applyDefaults(schema, {}))
    .filter((e) => e.message === 'is required')
    .map((e) => e.field)
}
