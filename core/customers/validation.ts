import type { FieldError } from '../kernel/errors.ts'
import { isIsoDate } from './custom-fields.ts'

export const CUSTOMER_STATUSES = ['new', 'active', 'blocked', 'inactive'] as const
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number]
export const CUSTOMER_CATEGORIES = ['person', 'company'] as const
export type CustomerCategory = (typeof CUSTOMER_CATEGORIES)[number]
export const LANGUAGES = ['en', 'es', 'uk', 'pl'] as const
export type Language = (typeof LANGUAGES)[number]

/** What a form, a CSV row or an API body may carry; strings are accepted everywhere (forms and CSV). */
export interface CustomerInput {
  partnerId?: unknown
  login?: unknown
  status?: unknown
  category?: unknown
  name?: unknown
  email?: unknown
  billingEmail?: unknown
  phone?: unknown
  street?: unknown
  city?: unknown
  zip?: unknown
  country?: unknown
  language?: unknown
  companyName?: unknown
  vatId?: unknown
  billingDay?: unknown
  dateAdded?: unknown
  customFields?: unknown
  /** Sets the portal password; null removes portal access; '' or absent leaves it as it is. */
  portalPassword?: unknown
}

/** Checked values, ready for the table; a key is present only when the input set it. */
export interface CustomerValues {
  partnerId?: number
  login?: string | null
  status?: CustomerStatus
  category?: CustomerCategory
  name?: string
  email?: string | null
  billingEmail?: string | null
  phone?: string | null
  street?: string | null
  city?: string | null
  zip?: string | null
  country?: string | null
  language?: Language
  companyName?: string | null
  vatId?: string | null
  billingDay?: number
  dateAdded?: string
  customFields?: Record<string, unknown>
  portalPassword?: string | null
}

export const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const PHONE = /^\+?[0-9 ()./-]{3,32}$/

const TEXT_LIMITS: Record<string, number> = {
  street: 300,
  city: 120,
  zip: 20,
  country: 80,
  companyName: 200,
  vatId: 40,
}

function str(v: unknown): string | undefined {
  if (v === undefined) return undefined
  if (v === null) return ''
  if (typeof v === 'string') return v.trim()
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return undefined
}

/**
 * Checks customer input. On create (`partial` false) the name is required; on update only the given keys
 * are checked. Every problem is reported with its field name; nothing is thrown here.
 */
export function checkCustomerInput(input: CustomerInput, partial: boolean): { values: CustomerValues; errors: FieldError[] } {
  const values: CustomerValues = {}
  const errors: FieldError[] = []
  const err = (field: string, message: string) => errors.push({ field, message })

  if (input.partnerId !== undefined && input.partnerId !== null && input.partnerId !== '') {
    const n = Number(input.partnerId)
    if (!Number.isInteger(n) || n < 1) err('partnerId', 'must be a partner id')
    else values.partnerId = n
  }

  const login = str(input.login)
  if (input.login !== undefined) {
    if (login === '' || login === undefined) {
      if (partial) err('login', 'is required')
      else values.login = null
    } else if (!LOGIN_PATTERN.test(login)) {
      err('login', 'may contain letters, digits and . _ @ - (at most 64, starting with a letter or digit)')
    } else values.login = login
  }

  if (input.name !== undefined || !partial) {
    const name = str(input.name)
    if (!name) err('name', 'is required')
    else if (name.length > 200) err('name', 'must be at most 200 characters')
    else values.name = name
  }

  const status = str(input.status)
  if (status !== undefined && status !== '') {
    if (!(CUSTOMER_STATUSES as readonly string[]).includes(status)) err('status', 'must be new, active, blocked or inactive')
    else values.status = status as CustomerStatus
  }

  const category = str(input.category)
  if (category !== undefined && category !== '') {
    if (!(CUSTOMER_CATEGORIES as readonly string[]).includes(category)) err('category', 'must be person or company')
    else values.category = category as CustomerCategory
  }

  const language = str(input.language)
  if (language !== undefined && language !== '') {
    if (!(LANGUAGES as readonly string[]).includes(language)) err('language', 'must be en, es, uk or pl')
    else values.language = language as Language
  }

  for (const field of ['email', 'billingEmail'] as const) {
    const v = str(input[field])
    if (v === undefined) continue
    if (v === '') values[field] = null
    else if (v.length > 254 || !EMAIL.test(v)) err(field, 'must be an e-mail address')
    else values[field] = v.toLowerCase()
  }

  const phone = str(input.phone)
  if (phone !== undefined) {
    if (phone === '') values.phone = null
    else if (!PHONE.test(phone)) err('phone', 'must be a phone number (digits, spaces, + - ( ) .)')
    else values.phone = phone
  }

  for (const [field, max] of Object.entries(TEXT_LIMITS) as [keyof CustomerValues & keyof CustomerInput, number][]) {
    const v = str(input[field])
    if (v === undefined) continue
    if (v.length > max) err(field, `must be at most ${max} characters`)
    else (values as Record<string, unknown>)[field] = v === '' ? null : v
  }

  const day = input.billingDay
  if (day !== undefined && day !== null && day !== '') {
    const n = typeof day === 'number' ? day : /^\s*\d+\s*$/.test(String(day)) ? Number(day) : Number.NaN
    if (!Number.isInteger(n) || n < 1 || n > 28) err('billingDay', 'must be a whole number from 1 to 28')
    else values.billingDay = n
  }

  const dateAdded = str(input.dateAdded)
  if (dateAdded !== undefined && dateAdded !== '') {
    if (!isIsoDate(dateAdded)) err('dateAdded', 'must be a date YYYY-MM-DD')
    else values.dateAdded = dateAdded
  }

  if (input.customFields !== undefined && input.customFields !== null) {
    if (typeof input.customFields !== 'object' || Array.isArray(input.customFields)) err('customFields', 'must be an object')
    else values.customFields = input.customFields as Record<string, unknown>
  }

  if (input.portalPassword === null) values.portalPassword = null
  else if (input.portalPassword !== undefined && input.portalPassword !== '') {
    const pw = typeof input.portalPassword === 'string' ? input.portalPassword : ''
    if (pw.length < 8) err('portalPassword', 'must be at least 8 characters')
    else if (pw.length > 200) err('portalPassword', 'must be at most 200 characters')
    else values.portalPassword = pw
  }
  return { values, errors }
}
