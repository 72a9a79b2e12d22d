import type { InvoiceTax } from '../../kernel/money.ts'
import { priceLines, type InvoiceLineInput, type IssueContext } from '../invoices/issue.ts'

const LIMIT = 10_000
const known = new WeakMap<IssueContext, Map<string, InvoiceTax>>()

/**
 * priceLines, remembered per issue context for lines with the same prices: a run prices thousands of
 * alike bills (one plan, one price), and the decimal arithmetic was a large part of its CPU. What it
 * depends on is the key: each line's quantity, unit price, amount, tax rate and whether it has a
 * description (the checks). A refused bill is not remembered. The result is shared: read, never changed.
 */
export function priceBill(lines: readonly InvoiceLineInput[], context: IssueContext): InvoiceTax {
  let memo = known.get(context)
  if (!memo) {
    memo = new Map()
    known.set(context, memo)
  }
  const key = JSON.stringify(lines.map((l) => [!l.description?.trim(), l.quantity, l.unitPrice, l.amount, l.taxRateId ?? null]))
  const hit = memo.get(key)
  if (hit) return hit
  const tax = priceLines(lines, context)
  if (memo.size >= LIMIT) memo.clear()
  memo.set(key, tax)
  return tax
}
