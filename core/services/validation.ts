import { isIPv4, isIPv6 } from 'node:net'
import type { FieldError } from '../kernel/errors.ts'
import { dec } from '../kernel/money.ts'
import { isIsoDate } from '../kernel/dates.ts'
import { Checker } from '../plans/validation.ts'

export const SERVICE_STATUSES = ['pending', 'active', 'disabled', 'stopped', 'archived'] as const
export type ServiceStatus = (typeof SERVICE_STATUSES)[number]

/** Statuses a service may move to from each status. Archived is final; stopped only from active/disabled. */
export const STATUS_TRANSITIONS: Record<ServiceStatus, readonly ServiceStatus[]> = {
  pending: ['active', 'disabled', 'archived'],
  active: ['disabled', 'stopped'],
  disabled: ['active', 'stopped'],
  stopped: ['active', 'archived'],
  archived: [],
}

/** Statuses in which a service holds its login and static address. */
export const LIVE_STATUSES: readonly ServiceStatus[] = ['pending', 'active', 'disabled']

export type ServiceInput = Record<string, unknown>

/** Checked values; undefined = not given (a PATCH leaves it), null = cleared. */
export interface ServiceValues {
  planId?: number
  description?: string | null
  quantity?: string
  unitPrice?: string | null
  discountPercent?: string
  discountStart?: string | null
  discountEnd?: string | null
  startDate?: string
  endDate?: string | null
  status?: ServiceStatus
  login?: string | null
  password?: string | null
  ipv4Address?: string | null
  ipv6Address?: string | null
  ipPool?: string | null
  mac?: string | null
  nasId?: number | null
}

const LOGIN = /^[\x21-\x7e]{1,64}$/
const POOL = /^[A-Za-z0-9._-]{1,64}$/

/** Normalises a MAC written with colons, dashes, dots or nothing to AA:BB:CC:DD:EE:FF; null if it is not one. */
export function normalizeMac(value: string): string | null {
  const hex = value.replace(/[\s:.-]/g, '')
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return null
  return hex.toUpperCase().match(/../g)!.join(':')
}

function ipv6OrPrefix(value: string): boolean {
  const [addr, len, extra] = value.split('/')
  if (extra !== undefined || !addr || !isIPv6(addr)) return false
  if (len === undefined) return true
  return /^\d{1,3}$/.test(len) && Number(len) <= 128
}

function date(c: Checker, field: string, required = false): string | null | undefined {
  const v = c.text(field, { max: 10, required })
  if (v === undefined || v === null) return v
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return c.fail(field, `must be a date as YYYY-MM-DD, got "${v}"`)
  if (!isIsoDate(v)) return c.fail(field, `${v} is not a day of the calendar`)
  return v
}

/** Reads and checks the fields of a service; cross-field rules are checked on the merged record (checkMerged). */
export function checkServiceInput(input: ServiceInput, patch: boolean): { values: ServiceValues; errors: FieldError[] } {
  const c = new Checker(input)
  const v: ServiceValues = {}
  const planId = c.int('planId', { min: 1, max: 2_147_483_647, required: !patch })
  if (planId !== null && planId !== undefined) v.planId = planId
  v.description = c.text('description', { max: 500 })
  const quantity = c.decimal('quantity', { min: '-1000000000', max: '1000000', scale: 4 })
  if (quantity === null) c.fail('quantity', 'is required')
  else if (quantity !== undefined) {
    if (dec(quantity).lte(0)) c.fail('quantity', 'must be greater than 0')
    else v.quantity = quantity
  }
  v.unitPrice = c.decimal('unitPrice', { min: '0', max: '100000000', scale: 4 })
  const discount = c.decimal('discountPercent', { min: '0', max: '100', scale: 4 })
  if (discount !== undefined) v.discountPercent = discount ?? '0'
  v.discountStart = date(c, 'discountStart')
  v.discountEnd = date(c, 'discountEnd')
  const start = date(c, 'startDate')
  if (start === null) c.fail('startDate', 'is required')
  else if (start !== undefined) v.startDate = start
  v.endDate = date(c, 'endDate')
  const status = c.oneOf('status', SERVICE_STATUSES)
  if (status) v.status = status

  const login = c.text('login', { max: 64 })
  if (login && !LOGIN.test(login)) c.fail('login', 'may hold letters, digits and symbols, no spaces')
  else v.login = login
  const password = c.raw('password')
  if (password !== undefined && password !== null && (typeof password !== 'string' || password.length > 128 || /[\r\n]/.test(password)))
    c.fail('password', 'must be text of at most 128 characters on one line')
  else v.password = password as string | null | undefined
  const ipv4 = c.text('ipv4Address', { max: 15 })
  if (ipv4 && !isIPv4(ipv4)) c.fail('ipv4Address', 'must be an IPv4 address such as 10.0.0.15')
  else v.ipv4Address = ipv4
  const ipv6 = c.text('ipv6Address', { max: 50 })
  if (ipv6 && !ipv6OrPrefix(ipv6)) c.fail('ipv6Address', 'must be an IPv6 address or prefix such as 2001:db8::/56')
  else v.ipv6Address = ipv6?.toLowerCase() ?? ipv6
  const pool = c.text('ipPool', { max: 64 })
  if (pool && !POOL.test(pool)) c.fail('ipPool', 'may hold letters, digits, dots, dashes and underscores')
  else v.ipPool = pool
  const mac = c.text('mac', { max: 20 })
  if (mac) {
    const normal = normalizeMac(mac)
    if (normal) v.mac = normal
    else c.fail('mac', 'must be a MAC address such as AA:BB:CC:DD:EE:FF')
  } else v.mac = mac
  v.nasId = c.int('nasId', { min: 1, max: 2_147_483_647 })
  return { values: v, errors: c.errors }
}

/** The fields that cross-field rules look at, as stored. */
export interface MergedService {
  type: string
  startDate: string
  endDate: string | null
  discountPercent: string
  discountStart: string | null
  discountEnd: string | null
  login: string | null
  ipv4Address: string | null
  ipv6Address: string | null
  ipPool: string | null
  mac: string | null
  nasId: number | null
}

const NETWORK_FIELDS = ['login', 'ipv4Address', 'ipv6Address', 'ipPool', 'mac', 'nasId'] as const

/** Rules between fields, on the record as it would be saved. */
export function checkMerged(s: MergedService, errors: FieldError[]): void {
  if (s.endDate && s.endDate < s.startDate) errors.push({ field: 'endDate', message: `must not be before the start date ${s.startDate}` })
  if (s.discountStart && s.discountEnd && s.discountEnd < s.discountStart)
    errors.push({ field: 'discountEnd', message: `must not be before the discount start ${s.discountStart}` })
  if (s.ipv4Address && s.ipPool) errors.push({ field: 'ipPool', message: 'leave empty when the service has a static IPv4 address' })
  if (s.type !== 'internet') {
    for (const f of NETWORK_FIELDS) if (s[f] !== null) errors.push({ field: f, message: 'only internet services have network settings' })
  }
}
