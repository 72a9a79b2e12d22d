/**
 * Checks a document before it is drawn, so a bad value fails with the field's name instead of a
 * half-drawn PDF or a "NaN" on a customer's invoice.
 */
import { isIsoDate } from '../../kernel/dates.ts'
import { type FieldError, ValidationError } from '../../kernel/errors.ts'
import { isCurrency, isDecimalString, isLanguage } from '../../kernel/money.ts'
import type { PdfDocument, PdfDocumentKind } from './document.ts'

const KINDS: readonly PdfDocumentKind[] = ['invoice', 'proforma', 'credit_note', 'receipt', 'statement']
const STATUSES = ['draft', 'issued', 'paid', 'overdue', 'void']
const METHODS = ['cash', 'bank_transfer', 'card', 'other']

export function checkPdfDocument(doc: PdfDocument): void {
  const errors: FieldError[] = []
  const fail = (field: string, message: string) => errors.push({ field, message })
  const text = (field: string, value: unknown) => {
    if (typeof value !== 'string' || value.trim() === '') fail(field, 'must be a non-empty string')
  }
  const decimal = (field: string, value: unknown, optional = false) => {
    if (optional && (value === null || value === undefined || value === '')) return
    if (typeof value !== 'string' || !isDecimalString(value)) fail(field, 'must be a decimal string')
  }
  const date = (field: string, value: unknown, optional = false) => {
    if (optional && (value === null || value === undefined)) return
    if (typeof value !== 'string' || !isIsoDate(value)) fail(field, 'must be a date as YYYY-MM-DD')
  }

  if (!KINDS.includes(doc.kind)) fail('kind', `must be one of ${KINDS.join(', ')}`)
  text('number', doc.number)
  if (typeof doc.language !== 'string' || !isLanguage(doc.language))
    fail('language', 'must be en, es, uk or pl')
  if (typeof doc.currency !== 'string' || !isCurrency(doc.currency))
    fail('currency', 'is not a known currency')
  date('issueDate', doc.issueDate)
  if (doc.status != null && !STATUSES.includes(doc.status))
    fail('status', `must be one of ${STATUSES.join(', ')}`)
  text('seller.name', doc.seller?.name)
  if (!Array.isArray(doc.seller?.address)) fail('seller.address', 'must be a list of lines')
  if (doc.seller?.logo != null && !(doc.seller.logo instanceof Uint8Array)) {
    fail('seller.logo', 'must be PNG or JPEG bytes or null')
  }
  if (doc.seller?.bank != null) text('seller.bank.iban', doc.seller.bank.iban)
  text('customer.name', doc.customer?.name)
  if (!Array.isArray(doc.customer?.address)) fail('customer.address', 'must be a list of lines')

  if (doc.kind === 'statement') {
    date('periodStart', doc.periodStart)
    date('periodEnd', doc.periodEnd)
    decimal('openingBalance', doc.openingBalance)
    decimal('closingBalance', doc.closingBalance)
    if (!Array.isArray(doc.rows)) fail('rows', 'must be a list')
    for (const [i, row] of (doc.rows ?? []).entries()) {
      date(`rows[${i}].date`, row.date)
      decimal(`rows[${i}].debit`, row.debit, true)
      decimal(`rows[${i}].credit`, row.credit, true)
      decimal(`rows[${i}].balance`, row.balance)
    }
  } else if (KINDS.includes(doc.kind)) {
    date('dueDate', doc.dueDate, true)
    if (doc.paymentMethod != null && !METHODS.includes(doc.paymentMethod)) {
      fail('paymentMethod', `must be one of ${METHODS.join(', ')}`)
    }
    if (!Array.isArray(doc.lines)) fail('lines', 'must be a list')
    for (const [i, line] of (doc.lines ?? []).entries()) {
      const p = `lines[${i}]`
      text(`${p}.description`, line.description)
      date(`${p}.periodStart`, line.periodStart, true)
      date(`${p}.periodEnd`, line.periodEnd, true)
      for (const key of [
        'quantity',
        'unitPrice',
        'discountPercent',
        'net',
        'taxRatePercent',
        'tax',
        'total',
      ] as const) {
        decimal(`${p}.${key}`, line[key])
      }
    }
    if (!Array.isArray(doc.taxes)) fail('taxes', 'must be a list')
    for (const [i, row] of (doc.taxes ?? []).entries()) {
      for (const key of ['ratePercent', 'net', 'tax', 'gross'] as const)
        decimal(`taxes[${i}].${key}`, row[key])
    }
    decimal('totals.net', doc.totals?.net)
    decimal('totals.tax', doc.totals?.tax)
    decimal('totals.total', doc.totals?.total)
    decimal('totals.paid', doc.totals?.paid, true)
    decimal('totals.due', doc.totals?.due, true)
  }
  if (errors.length > 0) throw new ValidationError(errors)
}
