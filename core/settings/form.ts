import type { JsonSchema } from './values.ts'

/** One input of a settings form, built from a schema property. */
export interface FormField {
  /** Dotted path: 'mail.port'. */
  name: string
  label: string
  type: 'text' | 'number' | 'checkbox' | 'select' | 'textarea' | 'password'
  value: unknown
  required: boolean
  hint?: string
  options?: { value: string; label: string }[]
  /** Heading of the nested object this field belongs to. */
  group?: string
  attrs?: string
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function literalOptions(schema: JsonSchema): string[] | null {
  if (schema.anyOf?.length && schema.anyOf.every((s) => s.const !== undefined))
    return schema.anyOf.map((s) => String(s.const))
  if (Array.isArray(schema.enum)) return schema.enum.map(String)
  return null
}

const isSecret = (schema: JsonSchema) => schema.writeOnly === true || schema['x-secret'] === true

/** The inputs of a form for `schema`, filled with `values`. */
export function formFields(schema: JsonSchema, values: unknown, prefix = '', group?: string): FormField[] {
  const out: FormField[] = []
  const required = new Set(schema.required ?? [])
  const current = isObject(values) ? values : {}
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key
    const label = prop.title ?? humanize(key)
    if (prop.properties) {
      out.push(...formFields(prop, current[key], name, label))
      continue
    }
    const field: FormField = {
      name,
      label,
      type: 'text',
      value: current[key],
      required: required.has(key) && prop.type !== 'boolean',
    }
    if (prop.description) field.hint = prop.description
    if (group) field.group = group
    const options = literalOptions(prop)
    if (options) {
      field.type = 'select'
      field.options = options.map((o) => ({ value: o, label: o }))
    } else if (prop.type === 'boolean') field.type = 'checkbox'
    else if (prop.type === 'integer' || prop.type === 'number') {
      field.type = 'number'
      const bounds = [
        prop.minimum !== undefined ? `min="${Number(prop.minimum)}"` : '',
        prop.maximum !== undefined ? `max="${Number(prop.maximum)}"` : '',
        `step="${prop.type === 'integer' ? 1 : 'any'}"`,
      ]
      field.attrs = bounds.filter(Boolean).join(' ')
    } else if (prop.type === 'array') {
      field.type = 'textarea'
      field.value = Array.isArray(current[key]) ? (current[key] as unknown[]).join('\n') : ''
      field.hint = [prop.description, 'One per line'].filter(Boolean).join('. ')
    } else if (isSecret(prop)) {
      field.type = 'password'
      field.hint = [prop.description, current[key] ? 'Stored; leave empty to keep it' : '']
        .filter(Boolean)
        .join('. ')
    } else if (prop['x-multiline'] === true || (typeof prop.maxLength === 'number' && prop.maxLength > 500))
      field.type = 'textarea'
    out.push(field)
  }
  return out
}

/**
 * Turns posted form fields back into a typed value for `schema`: numbers where the schema wants
 * numbers (left as text when not numeric, so validation names the field), checkboxes as booleans,
 * one-per-line lists as arrays. Empty secret fields keep their stored value.
 */
export function formToValue(
  schema: JsonSchema,
  body: Record<string, unknown>,
  stored: unknown,
  prefix = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const storedObj = isObject(stored) ? stored : {}
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key
    if (prop.properties) {
      out[key] = formToValue(prop, body, storedObj[key], name)
      continue
    }
    let raw = body[name]
    if (Array.isArray(raw)) raw = raw.at(-1)
    if (prop.type === 'boolean') {
      out[key] = raw === 'true' || raw === 'on' || raw === true
      continue
    }
    if (raw === undefined) continue
    const text = String(raw)
    if (prop.type === 'integer' || prop.type === 'number') {
      const trimmed = text.trim()
      if (trimmed === '') continue
      out[key] = /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed
    } else if (prop.type === 'array') {
      out[key] = text
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean)
    } else if (isSecret(prop) && text === '' && storedObj[key] !== undefined) {
      out[key] = storedObj[key]
    } else out[key] = prop.type === 'string' || literalOptions(prop) ? text.trim() : text
  }
  return out
}

function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase()
}
