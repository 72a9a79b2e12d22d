import type { FastifyRequest } from 'fastify'
import { ValidationError } from '../../kernel/errors.ts'
import { dec } from '../../kernel/money.ts'

/** Decimal columns without numeric(18,4) padding: "12.5000" -> "12.5". */
export const plain = (v: string) => dec(v).toFixed()

const MONEY_KEYS = new Set([
  'net',
  'tax',
  'total',
  'gross',
  'paidAmount',
  'amount',
  'quantity',
  'unitPrice',
  'discountPercent',
  'taxPercent',
  'ratePercent',
  'debit',
  'credit',
  'allocated',
])

/** A row with every decimal column made plain (one level deep). */
export function plainRow<T extends Record<string, unknown>>(row: T): T {
  const out: Record<string, unknown> = { ...row }
  for (const [k, v] of Object.entries(row)) if (MONEY_KEYS.has(k) && typeof v === 'string') out[k] = plain(v)
  return out as T
}

/** An invoice row plus its amount still due. */
export function invoiceOut<T extends { total: string; paidAmount: string; status: string }>(row: T) {
  const due = row.status === 'void' ? '0' : dec(row.total).minus(dec(row.paidAmount)).toFixed()
  return { ...plainRow(row), due: dec(due).isNeg() ? '0' : due }
}

/**
 * JSON numbers where decimal strings belong would let binary floating point into money (the schema
 * compiler would coerce them to strings); refused before validation, naming each field.
 */
export function decimalStringsOnly(fields: string[], nested: Record<string, string[]> = {}) {
  return async (request: FastifyRequest) => {
    const body = request.body as Record<string, unknown> | null
    if (!body || typeof body !== 'object') return
    const bad = fields.filter((f) => typeof body[f] === 'number')
    for (const [list, inner] of Object.entries(nested)) {
      const items = body[list]
      if (!Array.isArray(items)) continue
      items.forEach((item, i) => {
        for (const f of inner) if (typeof (item as Record<string, unknown>)?.[f] === 'number') bad.push(`${list}.${i}.${f}`)
      })
    }
    if (bad.length) throw new ValidationError(bad.map((field) => ({ field, message: 'must be a decimal string such as "19.99", not a JSON number' })))
  }
}
