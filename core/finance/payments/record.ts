import { and, eq } from 'drizzle-orm'
import type { Db, Tx } from '../../../db/client.ts'
import { isIsoDate } from '../../kernel/dates.ts'
import { StateError, ValidationError, type FieldError } from '../../kernel/errors.ts'
import { dec, isDecimalString, isRounded, toPg, type Decimal } from '../../kernel/money.ts'
import { isUniqueViolation } from '../../partners/service.ts'
import type { Actor } from '../../partners/scope.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { nextNumber } from '../counters.ts'
import { adminId, audit, customerField, lockAccount, throwIfAny, type FinanceDeps } from '../documents/common.ts'
import { appendLedger } from '../ledger.ts'
import { payments } from '../schema.ts'
import { financeSettings } from '../settings.ts'
import { addAllocations, matchInvoice, openInvoices, planAllocation } from './allocation.ts'

export const PAYMENT_METHODS = ['cash', 'bank_transfer', 'card', 'online', 'other'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]
/** {type} of the receipt number pattern. */
export const RECEIPT_TYPE: Record<PaymentMethod, number> = { cash: 1, bank_transfer: 2, card: 3, online: 4, other: 5 }

export type PaymentRow = typeof payments.$inferSelect

export interface PaymentInput {
  customerId?: number | string | null
  method?: string
  /** Decimal string above zero. */
  amount?: string
  /** Default: today. */
  receivedOn?: string | null
  reference?: string | null
  note?: string | null
  /** A payment gateway's name and its id of the payment: recording the same pair twice returns the first. */
  gateway?: string | null
  gatewayReference?: string | null
  /** Settle this invoice first (the rest goes to the oldest open invoices). */
  invoiceId?: number | null
}

export interface RecordedPayment {
  payment: PaymentRow
  allocations: { invoiceId: number; amount: string }[]
  /** False when a gateway payment was already recorded and this call returned it. */
  created: boolean
}

const blank = (v: string | null | undefined) => (v === undefined || v === null || v.trim() === '' ? null : v.trim())

async function byGateway(db: Db | Tx, gateway: string, ref: string): Promise<PaymentRow | undefined> {
  const [row] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.gateway, gateway), eq(payments.gatewayReference, ref)))
  return row
}

/**
 * Records money received: receipt number from the gapless 'receipt' series, a ledger credit, the
 * allocation to open invoices (an invoice the reference names or whose amount matches exactly, else
 * the oldest first; any rest stays as credit) and `payment.received`, all in one transaction.
 */
export async function recordPayment(db: Db, deps: FinanceDeps, actor: Actor, input: PaymentInput): Promise<RecordedPayment> {
  const gateway = blank(input.gateway)
  const gatewayReference = blank(input.gatewayReference)
  if (gateway && gatewayReference) {
    const first = await byGateway(db, gateway, gatewayReference)
    if (first) return { payment: first, allocations: [], created: false }
  }
  try {
    return await db.transaction((tx) => recordPaymentInTx(tx, deps, actor, input))
  } catch (err) {
    // Two deliveries of one webhook at the same moment: the loser returns the winner's payment.
    if (gateway && gatewayReference && isUniqueViolation(err)) {
      const first = await byGateway(db, gateway, gatewayReference)
      if (first) return { payment: first, allocations: [], created: false }
    }
    throw err
  }
}

/** recordPayment inside the caller's transaction (a gateway plugin settling an order). */
export async function recordPaymentInTx(tx: Tx, deps: FinanceDeps, actor: Actor, input: PaymentInput): Promise<RecordedPayment> {
  const errors: FieldError[] = []
  const customer = await customerField(tx, actor, input.customerId).catch((err) => {
    if (err instanceof ValidationError) {
      errors.push(...err.fields)
      return null
    }
    throw err
  })
  const core = await coreSettings(tx)
  const method = input.method as PaymentMethod
  if (!PAYMENT_METHODS.includes(method)) errors.push({ field: 'method', message: `must be one of ${PAYMENT_METHODS.join(', ')}` })
  let amount: Decimal | null = null
  if (typeof input.amount !== 'string' || !isDecimalString(input.amount)) errors.push({ field: 'amount', message: 'must be a decimal number such as 25.00' })
  else if (dec(input.amount).lte(0)) errors.push({ field: 'amount', message: 'must be greater than 0' })
  else if (!isRounded(input.amount, core.currency)) errors.push({ field: 'amount', message: `must be rounded to ${core.currency}` })
  else amount = dec(input.amount)
  const receivedOn = blank(input.receivedOn) ?? deps.clock.today().toString()
  if (!isIsoDate(receivedOn)) errors.push({ field: 'receivedOn', message: 'must be a date (YYYY-MM-DD)' })
  const reference = blank(input.reference)
  if (reference && reference.length > 200) errors.push({ field: 'reference', message: 'must be at most 200 characters' })
  const note = blank(input.note)
  if (note && note.length > 2000) errors.push({ field: 'note', message: 'must be at most 2000 characters' })
  const gateway = blank(input.gateway)
  const gatewayReference = blank(input.gatewayReference)
  if (!!gateway !== !!gatewayReference)
    errors.push({ field: gateway ? 'gatewayReference' : 'gateway', message: 'gateway and gatewayReference go together' })
  throwIfAny(errors)
  const c = customer!

  await lockAccount(tx, c.id)
  const open = await openInvoices(tx, c.id)
  const preferred: number[] = []
  if (input.invoiceId !== undefined && input.invoiceId !== null) {
    if (!open.some((o) => o.id === input.invoiceId))
      throw new ValidationError([{ field: 'invoiceId', message: `invoice ${input.invoiceId} is not an open invoice of this customer` }])
    preferred.push(input.invoiceId)
  } else {
    const matched = matchInvoice(open, amount!, reference)
    if (matched !== null) preferred.push(matched)
  }

  const finance = await financeSettings(tx)
  const { number } = await nextNumber(tx, 'receipt', finance.receiptPattern, {
    date: receivedOn,
    partnerId: c.partnerId,
    customerId: c.id,
    type: RECEIPT_TYPE[method],
  })
  const [payment] = await tx
    .insert(payments)
    .values({
      customerId: c.id,
      partnerId: c.partnerId,
      method,
      amount: toPg(amount!),
      currency: core.currency,
      receivedOn,
      reference,
      note,
      gateway,
      gatewayReference,
      receiptNumber: number,
      createdBy: adminId(actor),
      createdAt: deps.clock.now(),
    })
    .returning()
  const p = payment!
  await appendLedger(tx, [
    {
      customerId: c.id,
      partnerId: c.partnerId,
      kind: 'payment',
      entryDate: receivedOn,
      credit: amount!,
      description: `Payment ${number}${reference ? ` (${reference})` : ''}`,
      paymentId: p.id,
      createdBy: adminId(actor),
    },
  ])
  const plan = planAllocation(amount!, open, preferred)
  await addAllocations(
    tx,
    plan.map((a) => ({ ...a, paymentId: p.id })),
    { now: deps.clock.now() },
  )
  const allocations = plan.map((a) => ({ invoiceId: a.invoiceId, amount: toPg(a.amount) }))
  await audit(tx, deps, actor, 'payment.create', 'payment', p.id, { ...p, allocations })
  await deps.emit(tx, 'payment.received', {
    paymentId: p.id,
    customerId: c.id,
    partnerId: c.partnerId,
    amount: p.amount,
    method,
    receivedOn,
    receiptNumber: number,
    allocations,
  })
  return { payment: p, allocations, created: true }
}

/** Refuses to touch a void payment. */
export function assertPosted(p: PaymentRow): void {
  if (p.status !== 'posted') throw new StateError(`Payment ${p.receiptNumber ?? p.id} is void`)
}
