import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { DbOrTx } from '../../../db/client.ts'
import { addDays, formatDate, isIsoDate } from '../../kernel/dates.ts'
import { ValidationError, type FieldError } from '../../kernel/errors.ts'
import { dec, type Decimal } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { accountCustomer, type AccountCustomer } from '../documents/common.ts'
import { ledgerRows, upcomingCharges } from '../documents/transactions.ts'
import { customerBalance } from '../ledger.ts'

export interface StatementRow {
  id: string
  date: string
  kind: string
  description: string
  debit: string
  credit: string
  /** Balance after this row: credits − debits so far (negative: the customer owes). */
  balance: string
  invoiceId: number | null
  creditNoteId: number | null
  paymentId: number | null
}

export interface Statement {
  customer: AccountCustomer
  currency: string
  from: string
  to: string
  opening: string
  closing: string
  debits: string
  credits: string
  rows: StatementRow[]
  /** Not yet invoiced: shown apart, never in the balance. */
  upcoming: { total: string; items: { description: string; chargeDate: string; amount: string }[] }
}

const fixed = (d: Decimal) => d.toFixed(2)

/** Period of a statement: both dates, from ≤ to; the default is the year up to today. */
export function statementPeriod(query: { from?: string; to?: string }, today: string): { from: string; to: string } {
  const from = query.from || `${today.slice(0, 4)}-01-01`
  const to = query.to || today
  const errors: FieldError[] = []
  if (!isIsoDate(from)) errors.push({ field: 'from', message: 'must be a date (YYYY-MM-DD)' })
  if (!isIsoDate(to)) errors.push({ field: 'to', message: 'must be a date (YYYY-MM-DD)' })
  if (!errors.length && to < from) errors.push({ field: 'to', message: 'must not be before from' })
  if (errors.length) throw new ValidationError(errors)
  return { from, to }
}

/**
 * A customer's account for a period: the balance the day before it opens, each ledger row in date
 * order with the running balance, and the closing balance (= customerBalance as of `to`).
 */
export async function customerStatement(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  customerId: number,
  period: { from: string; to: string },
): Promise<Statement> {
  const customer = await accountCustomer(db, actor, customerId)
  const core = await coreSettings(db)
  const opening = await customerBalance(db, customer.id, formatDate(addDays(period.from, -1)))
  let running = opening
  let debits = dec('0')
  let credits = dec('0')
  const rows = (await ledgerRows(db, customer.id, period.from, period.to)).map((e) => {
    running = running.plus(dec(e.credit)).minus(dec(e.debit))
    debits = debits.plus(dec(e.debit))
    credits = credits.plus(dec(e.credit))
    return {
      id: String(e.id),
      date: e.entryDate,
      kind: e.kind,
      description: e.description,
      debit: fixed(dec(e.debit)),
      credit: fixed(dec(e.credit)),
      balance: fixed(running),
      invoiceId: e.invoiceId,
      creditNoteId: e.creditNoteId,
      paymentId: e.paymentId,
    }
  })
  const upcoming = await upcomingCharges(db, customer.id, core.currency)
  return {
    customer,
    currency: core.currency,
    from: period.from,
    to: period.to,
    opening: fixed(opening),
    closing: fixed(running),
    debits: fixed(debits),
    credits: fixed(credits),
    rows,
    upcoming: {
      total: fixed(upcoming.total),
      items: upcoming.items.map((i) => ({ description: i.description, chargeDate: i.chargeDate, amount: i.amount })),
    },
  }
}

/** The statement as CSV: opening row, ledger rows, closing row. */
export function statementCsv(s: Statement): Readable {
  const records = [
    ['date', 'kind', 'description', 'debit', 'credit', 'balance'],
    [s.from, 'opening', 'Opening balance', '', '', s.opening],
    ...s.rows.map((r) => [r.date, r.kind, r.description, r.debit, r.credit, r.balance]),
    [s.to, 'closing', 'Closing balance', s.debits, s.credits, s.closing],
  ]
  return Readable.from(records).pipe(stringify())
}
