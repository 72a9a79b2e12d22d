import type { DomainEvent, EventHandler, PluginContext } from '../../kernel/plugins/define.ts'
import { reviewCustomer } from './review.ts'

/**
 * Money in (a payment, a credit note, a credit adjustment), a voided invoice or new billing terms
 * (minimum balance, do not block until) may clear the debt or lift a block, and a voided credit note
 * brings a debt back: review that customer at once rather than at the next daily run.
 */
const review: EventHandler = async (event: DomainEvent, ctx: PluginContext) => {
  const customerId = Number((event.payload as { customerId?: unknown }).customerId)
  if (!Number.isInteger(customerId) || customerId < 1) return
  const today = ctx.clock.today().toString()
  await ctx.db.transaction((tx) => reviewCustomer(tx, { clock: ctx.clock, emit: ctx.emit }, customerId, today))
}

/** Collections' event handlers: a payment that clears the debt unblocks at once (idempotent). */
export const collectionHandlers: Record<string, EventHandler> = {
  'payment.received': review,
  'credit_note.issued': review,
  'ledger.adjusted': review,
  'invoice.voided': review,
  'credit_note.voided': review,
  'customer.billing_terms_changed': review,
}
