import { and, eq, inArray, lte, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { dec, toPg, type Decimal, type DecimalInput } from '../kernel/money.ts'
import { ledgerEntries } from './schema.ts'

export type LedgerKind = (typeof ledgerEntries.$inferInsert)['kind']

export interface LedgerEntryInput {
  customerId: number
  partnerId: number
  kind: LedgerKind
  entryDate: string
  /** Exactly one of debit (the customer owes more) and credit (owes less) is above zero. */
  debit?: DecimalInput
  credit?: DecimalInput
  description: string
  invoiceId?: number | null
  creditNoteId?: number | null
  paymentId?: number | null
  correctsId?: bigint | null
  createdBy?: number | null
}

/**
 * Appends rows to the customer ledger. There is no update or delete here, nor in the database (a
 * trigger refuses both): a correction is another entry with `correctsId` pointing at the one it corrects.
 */
export async function appendLedger(tx: DbOrTx, entries: readonly LedgerEntryInput[]): Promise<bigint[]> {
  if (!entries.length) return []
  const values = entries.map((e) => {
    const debit = dec(e.debit ?? '0')
    const credit = dec(e.credit ?? '0')
    if (debit.isNeg() || credit.isNeg() || debit.isZero() === credit.isZero()) {
      throw new RangeError(`Ledger entry "${e.description}": exactly one of debit and credit must be above zero`)
    }
    return { ...e, debit: toPg(debit), credit: toPg(credit) }
  })
  const inserted = await tx.insert(ledgerEntries).values(values).returning({ id: ledgerEntries.id })
  return inserted.map((r) => r.id)
}

/** Balance of one customer: credits − debits (negative = the customer owes), optionally up to a date. */
export async function customerBalance(db: DbOrTx, customerId: number, asOf?: string): Promise<Decimal> {
  const where = asOf
    ? and(eq(ledgerEntries.customerId, customerId), lte(ledgerEntries.entryDate, asOf))
    : eq(ledgerEntries.customerId, customerId)
  const [row] = await db
    .select({ balance: sql<string>`coalesce(sum(${ledgerEntries.credit} - ${ledgerEntries.debit}), 0)::text` })
    .from(ledgerEntries)
    .where(where)
  return dec(row?.balance ?? '0')
}

/** Balances of many customers at once (customers with no entries are absent: their balance is 0). */
export async function customerBalances(db: DbOrTx, customerIds: readonly number[]): Promise<Map<number, Decimal>> {
  const out = new Map<number, Decimal>()
  if (!customerIds.length) return out
  const found = await db
    .select({
      customerId: ledgerEntries.customerId,
      balance: sql<string>`sum(${ledgerEntries.credit} - ${ledgerEntries.debit})::text`,
    })
    .from(ledgerEntries)
    .where(inArray(ledgerEntries.customerId, [...customerIds]))
    .groupBy(ledgerEntries.customerId)
  for (const r of found) out.set(r.customerId, dec(r.balance))
  return out
}
