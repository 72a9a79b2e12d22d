import type { Temporal } from 'temporal-polyfill'
import { addDays, addMonths, compareDates, daysInclusive, formatDate, maxDate, minDate, toDate } from '../../kernel/dates.ts'
import { dec, round, toFixed, type Decimal } from '../../kernel/money.ts'
import { dueRange, splitByPeriods, type DateRange, type PeriodPiece } from '../periods.ts'
import { chargePiece, type Discount } from '../proration.ts'

/**
 * What a customer owes on a run date: pure functions over loaded rows (load.ts fetches them for a
 * batch of customers in a few queries). Nothing here reads the database or the clock.
 *
 * Billing types and where their charges go (the ledger is append-only and the balance is credits −
 * debits of issued documents, so every charge is a line of an issued invoice):
 * - recurring_postpaid: on each run, every day not yet billed up to the day before the current period.
 * - recurring_prepaid: the current period and `periodsAhead − 1` more, once the current one is unpaid-for.
 * - prepaid_monthly ("from balance", Splynx's prepaid monthly): like prepaid with one period ahead; the
 *   invoice is issued on the billing day and settled at once from the customer's open credit (payments
 *   made in advance), so the balance is what is left. Not enough credit leaves the invoice open and
 *   collections block the customer like any other debtor.
 * - prepaid_daily ("from balance", Splynx's prepaid daily): every day not yet billed up to the run date
 *   itself, priced per calendar day (monthly price / days of that month, telescoped so that a month's
 *   days add up to the monthly price). The daily billing job issues one invoice a day holding that
 *   day's lines, settled from open credit the same way. One small document a day is the price of
 *   never putting a charge in the ledger that no document backs.
 *
 * Days a service was disabled (its status history, load.ts) are cut out of its periods, and a service
 * disabled now is billed up to the day before it was disabled. A result that is a credit is issued as
 * a credit note (credit-bill.ts). Each line's charge key is held by the live document that billed it;
 * voiding that document releases the key and the charge is billed again (charge-keys.ts).
 */

export type BillingTypeName = 'recurring_postpaid' | 'recurring_prepaid' | 'prepaid_daily' | 'prepaid_monthly'

export interface BillingTerms {
  type: BillingTypeName
  periodsAhead: number
  billingDay: number
}

export interface PlanInfo {
  id: number
  type: 'internet' | 'voice' | 'recurring' | 'one_time' | 'bundle'
  name: string
  invoiceText: string | null
  price: string
  taxRateId: number | null
  activationFee: string | null
  contractMonths: number | null
  earlyCancellationFee: string | null
}

export interface ServiceInfo {
  id: number
  customerId: number
  planId: number
  type: PlanInfo['type']
  description: string
  quantity: string
  unitPrice: string | null
  discountPercent: string
  discountStart: string | null
  discountEnd: string | null
  startDate: string
  endDate: string | null
  status: 'pending' | 'active' | 'disabled' | 'stopped' | 'archived'
}

export interface PlanChangeInfo {
  id: number
  serviceId: number
  fromPlanId: number
  toPlanId: number
  effectiveDate: string
  /** Its credit and charge lines were invoiced already, or the new plan was billed from the change date. */
  settled: boolean
}

export interface PendingChargeInfo {
  id: number
  serviceId: number | null
  description: string
  chargeDate: string
  quantity: string
  unitPrice: string
  taxRateId: number | null
  sourceKey: string
}

export type LineKind = 'service' | 'one_time' | 'activation' | 'early_cancellation' | 'change_credit' | 'change_charge' | 'end_credit' | 'pending' | 'plugin'

/** One invoice line to be (decimal strings, ISO dates: it is stored as JSON in billing_run_items). */
export interface LineDraft {
  kind: LineKind
  description: string
  serviceId: number | null
  planId: number | null
  periodStart: string | null
  periodEnd: string | null
  quantity: string
  unitPrice: string
  discountPercent: string
  /** Rounded to the currency; negative for the credit of a plan change. */
  amount: string
  taxRateId: number | null
  chargeKey: string
  pendingChargeId?: number
}

/** What one service contributes to a run. */
export interface ServiceCharge {
  lines: LineDraft[]
  /** The service's new billedThrough, or null when the run bills no days of it. */
  billedThrough: string | null
}

/**
 * Days a service was disabled, inclusive: from the day it was disabled to the day before it was enabled
 * again (a change takes effect on the day it is made). from null: disabled since before its history
 * (created disabled); to null: still disabled.
 */
export interface DisabledSpan {
  from: string | null
  to: string | null
}

export interface ServiceState {
  service: ServiceInfo
  plans: ReadonlyMap<number, PlanInfo>
  /** This service's applied plan changes, any order. */
  changes: readonly PlanChangeInfo[]
  /** Last day billed, or null when never billed. */
  billedThrough: string | null
  /** The days billed past an end date set later were credited already ('end:<id>:<day after end>:credit' exists). */
  endCredited?: boolean
  /** Its disabled days (status history), any order: they are not billed. */
  disabled?: readonly DisabledSpan[]
}

// Most services of a run share their ranges (same start, same billing day): the period arithmetic on
// Temporal dates is the costly part of a big run, so its results are remembered (they are immutable).
const memo = new Map<string, unknown>()
function remember<T>(key: string, make: () => T): T {
  if (memo.has(key)) return memo.get(key) as T
  if (memo.size > 20_000) memo.clear()
  const value = make()
  memo.set(key, value)
  return value
}

function pieces(start: Temporal.PlainDate | string, end: Temporal.PlainDate | string, billingDay: number): PeriodPiece[] {
  return remember(`p:${start}:${end}:${billingDay}`, () => splitByPeriods(start, end, billingDay))
}

/** Service statuses whose days are billed: stopped ones up to their end date. */
const BILLED_STATUSES = new Set(['active', 'stopped'])

export function isBilledStatus(status: ServiceInfo['status']): boolean {
  return BILLED_STATUSES.has(status)
}

/**
 * The last day a service may be billed up to because of its status: none (undefined) for an active
 * one, or a stopped one that was not disabled before it stopped; for a disabled one (or one stopped
 * while disabled) the day before it was disabled, or null (nothing) when it has been disabled since
 * before its history. Its days after being enabled again are billed on later runs.
 */
function statusCap(state: ServiceState): string | null | undefined {
  const status = state.service.status
  if (status !== 'active' && status !== 'stopped' && status !== 'disabled') return null
  const open = status === 'active' ? undefined : state.disabled?.find((d) => d.to === null)
  if (!open) return status === 'disabled' ? null : undefined
  return open.from ? formatDate(addDays(open.from, -1)) : null
}

/** A period part without its disabled days: the parts left, each keeping its offset in the period. */
function activeParts(part: PeriodPiece, spans: readonly DisabledSpan[] | undefined): PeriodPiece[] {
  if (!spans?.length) return [part]
  let parts: { start: Temporal.PlainDate; end: Temporal.PlainDate }[] = [{ start: part.start, end: part.end }]
  for (const d of spans) {
    const next: typeof parts = []
    for (const p of parts) {
      const from = d.from ? toDate(d.from) : null
      const to = d.to ? toDate(d.to) : null
      if ((to && compareDates(to, p.start) < 0) || (from && compareDates(from, p.end) > 0)) {
        next.push(p)
        continue
      }
      if (from && compareDates(from, p.start) > 0) next.push({ start: p.start, end: addDays(from, -1) })
      if (to && compareDates(to, p.end) < 0) next.push({ start: addDays(to, 1), end: p.end })
    }
    parts = next
  }
  return parts.sort((a, b) => compareDates(a.start, b.start)).map((p) => subPiece(part, p.start, p.end))
}

export const serviceKey = (serviceId: number, start: string) => `service:${serviceId}:${start}`

function planName(plan: PlanInfo): string {
  return plan.invoiceText?.trim() || plan.name
}

/** The plan a service was on for each day, from its change history (sorted by date, then id). */
function planTimeline(state: ServiceState, settledOnly = false): { from: Temporal.PlainDate | null; planId: number }[] {
  const changes = [...state.changes].filter((c) => !settledOnly || c.settled).sort((a, b) => compareDates(a.effectiveDate, b.effectiveDate) || a.id - b.id)
  const first = changes[0]
  const timeline: { from: Temporal.PlainDate | null; planId: number }[] = [
    { from: null, planId: first ? first.fromPlanId : state.service.planId },
  ]
  for (const c of changes) timeline.push({ from: toDate(c.effectiveDate), planId: c.toPlanId })
  return timeline
}

/** The monthly unit price of a plan on this service: the service's own price only for its current plan. */
function unitPriceOf(state: ServiceState, planId: number, current: boolean): string {
  const plan = state.plans.get(planId)
  if (!plan) throw new Error(`plan ${planId} of service ${state.service.id} was not loaded`)
  if (current && planId === state.service.planId && state.service.unitPrice !== null) return state.service.unitPrice
  return plan.price
}

function discountOf(s: ServiceInfo): Discount | null {
  if (dec(s.discountPercent).isZero()) return null
  return { percent: s.discountPercent, start: s.discountStart, end: s.discountEnd }
}

/** A part of a period piece (one plan's days), with the offsets proration needs. */
function subPiece(piece: PeriodPiece, start: Temporal.PlainDate, end: Temporal.PlainDate): PeriodPiece {
  if (start.equals(piece.start) && end.equals(piece.end)) return piece
  const days = daysInclusive(start, end)
  return {
    start,
    end,
    period: piece.period,
    days,
    periodDays: piece.periodDays,
    offset: daysInclusive(piece.period.start, start) - 1,
    full: days === piece.periodDays,
  }
}

interface Priced {
  amount: Decimal
  unitPrice: string
  discountPercent: string
}

function price(piece: PeriodPiece, unitPrice: string, s: ServiceInfo, currency: string): Priced {
  const key = `c:${piece.start}:${piece.end}:${piece.period.start}:${unitPrice}:${s.quantity}:${s.discountPercent}:${s.discountStart}:${s.discountEnd}:${currency}`
  return remember(key, () => {
    const line = chargePiece(piece, { price: unitPrice, quantity: s.quantity, discount: discountOf(s), currency })
    return { amount: line.amount, unitPrice, discountPercent: line.discountDays > 0 ? line.discountPercent.toFixed() : '0' }
  })
}

function line(
  kind: LineKind,
  description: string,
  s: ServiceInfo,
  planId: number | null,
  range: DateRange | null,
  priced: Priced,
  taxRateId: number | null,
  chargeKey: string,
  currency: string,
): LineDraft {
  return {
    kind,
    description,
    serviceId: s.id,
    planId,
    periodStart: range ? formatDate(range.start) : null,
    periodEnd: range ? formatDate(range.end) : null,
    quantity: dec(s.quantity).toFixed(),
    unitPrice: dec(priced.unitPrice).toFixed(),
    discountPercent: priced.discountPercent,
    amount: toFixed(priced.amount, currency),
    taxRateId,
    chargeKey,
  }
}

/** A period piece cut where the plan changes: each part with its plan (current = the service's plan now). */
function segments(piece: PeriodPiece, timeline: { from: Temporal.PlainDate | null; planId: number }[]) {
  const out: { part: PeriodPiece; planId: number; current: boolean }[] = []
  let cursor = piece.start
  while (compareDates(cursor, piece.end) <= 0) {
    let at = 0
    for (let i = 0; i < timeline.length; i++) if (timeline[i]!.from === null || compareDates(timeline[i]!.from!, cursor) <= 0) at = i
    const next = timeline[at + 1]?.from
    const end = next && compareDates(next, piece.end) <= 0 ? addDays(next, -1) : piece.end
    out.push({ part: subPiece(piece, cursor, end), planId: timeline[at]!.planId, current: at === timeline.length - 1 })
    cursor = addDays(end, 1)
  }
  return out
}

/** The recurring range a service owes on a run date, by billing type; null when nothing is due. */
export function serviceDueRange(state: ServiceState, terms: BillingTerms, runDate: string): DateRange | null {
  const cap = statusCap(state)
  if (cap === null) return null
  const range = statusFreeDueRange(state, terms, runDate)
  if (!range || cap === undefined || compareDates(range.end, cap) <= 0) return range
  return compareDates(range.start, cap) > 0 ? null : { start: range.start, end: toDate(cap) }
}

function statusFreeDueRange(state: ServiceState, terms: BillingTerms, runDate: string): DateRange | null {
  const s = state.service
  if (s.status === 'stopped' && !s.endDate) return null
  if (terms.type === 'prepaid_daily') {
    const through = s.endDate ? minDate(runDate, s.endDate) : toDate(runDate)
    const from = state.billedThrough ? maxDate(addDays(state.billedThrough, 1), s.startDate) : toDate(s.startDate)
    return compareDates(from, through) > 0 ? null : { start: from, end: through }
  }
  const mode = terms.type === 'recurring_postpaid' ? 'postpaid' : 'prepaid'
  const periodsAhead = terms.type === 'recurring_prepaid' ? terms.periodsAhead : 1
  return remember(`d:${s.startDate}:${s.endDate}:${terms.billingDay}:${mode}:${periodsAhead}:${state.billedThrough}:${runDate}`, () =>
    dueRange(
      { startDate: s.startDate, endDate: s.endDate, billingDay: terms.billingDay, mode, periodsAhead },
      { billedThrough: state.billedThrough, runDate },
    ),
  )
}

/**
 * The lines of one service on a run date:
 * - one-time plans: their price once, when the start date has come;
 * - recurring plans (internet, recurring, voice, bundle): the due range cut at period boundaries and at
 *   plan changes, each part prorated by day on its plan's price; a bundle adds its activation fee on its
 *   first invoice and its early cancellation fee on the last one when it ends inside the contract;
 * - a plan change on days already billed (prepaid): the unused days of the old plan as a negative line
 *   and the new plan for the same days.
 */
export function serviceCharges(state: ServiceState, terms: BillingTerms, runDate: string, currency: string): ServiceCharge {
  const s = state.service
  const lines: LineDraft[] = []
  if (statusCap(state) === null || (s.type === 'one_time' && !isBilledStatus(s.status))) return { lines, billedThrough: null }
  const timeline = planTimeline(state)
  const billingDay = terms.type === 'prepaid_daily' ? 1 : terms.billingDay

  if (s.type === 'one_time') {
    if (state.billedThrough !== null || compareDates(s.startDate, runDate) > 0) return { lines, billedThrough: null }
    const plan = state.plans.get(s.planId)!
    const unit = unitPriceOf(state, s.planId, true)
    let amount = dec(unit).times(s.quantity)
    if (!dec(s.discountPercent).isZero()) amount = amount.times(dec('100').minus(s.discountPercent)).div(100)
    const start = toDate(s.startDate)
    lines.push(
      line('one_time', s.description, s, plan.id, { start, end: start }, { amount: round(amount, currency), unitPrice: unit, discountPercent: dec(s.discountPercent).toFixed() }, plan.taxRateId, serviceKey(s.id, s.startDate), currency),
    )
    return { lines, billedThrough: s.startDate }
  }

  // Plan changes on days billed before the change was known: credit the old plan, charge the new one.
  if (state.billedThrough) {
    const billed = toDate(state.billedThrough)
    const ordered = [...state.changes].sort((a, b) => compareDates(a.effectiveDate, b.effectiveDate) || a.id - b.id)
    const last = ordered.at(-1)
    for (const c of ordered) {
      if (c.settled || compareDates(c.effectiveDate, billed) > 0 || compareDates(c.effectiveDate, s.startDate) < 0) continue
      const from = state.plans.get(c.fromPlanId)!
      const to = state.plans.get(c.toPlanId)!
      const until = s.endDate ? minDate(billed, s.endDate) : billed
      if (compareDates(c.effectiveDate, until) > 0) continue
      for (const piece of pieces(c.effectiveDate, until, billingDay)) {
        const start = formatDate(piece.start)
        const credit = price(piece, from.price, s, currency)
        lines.push(
          line('change_credit', `${planName(from)}: unused days after the change to ${planName(to)}`, s, from.id, piece, { ...credit, amount: credit.amount.negated() }, from.taxRateId, `change:${c.id}:${start}:credit`, currency),
        )
        const charge = price(piece, unitPriceOf(state, to.id, c === last), s, currency)
        lines.push(line('change_charge', planName(to), s, to.id, piece, charge, to.taxRateId, `change:${c.id}:${start}:charge`, currency))
      }
    }
  }

  // An end date set after its days were billed (prepaid): credit the days after it, at the plan billed then.
  if (state.billedThrough && s.endDate && compareDates(s.endDate, state.billedThrough) < 0 && !state.endCredited) {
    const billedPlans = planTimeline(state, true)
    for (const piece of pieces(addDays(s.endDate, 1), state.billedThrough, billingDay)) {
      for (const seg of segments(piece, billedPlans)) {
        const plan = state.plans.get(seg.planId)!
        const credit = price(seg.part, unitPriceOf(state, seg.planId, seg.current), s, currency)
        lines.push(
          line('end_credit', `${planName(plan)}: days after the end on ${s.endDate}`, s, plan.id, seg.part, { ...credit, amount: credit.amount.negated() }, plan.taxRateId, `end:${s.id}:${formatDate(seg.part.start)}:credit`, currency),
        )
      }
    }
  }

  const range = serviceDueRange(state, terms, runDate)
  if (!range) return { lines, billedThrough: null }
  const firstBilling = state.billedThrough === null
  for (const piece of pieces(range.start, range.end, billingDay)) {
    for (const seg of segments(piece, timeline)) {
      const plan = state.plans.get(seg.planId)!
      const description = seg.current ? s.description : planName(plan)
      // Disabled days are cut out; the parts left are prorated at their own offsets, so they add up
      // exactly as any split of a period does (proration.ts).
      for (const part of activeParts(seg.part, state.disabled)) {
        lines.push(line('service', description, s, seg.planId, part, price(part, unitPriceOf(state, seg.planId, seg.current), s, currency), plan.taxRateId, serviceKey(s.id, formatDate(part.start)), currency))
      }
    }
  }

  if (s.type === 'bundle') {
    const firstPlan = state.plans.get(timeline[0]!.planId)!
    if (firstBilling && firstPlan.activationFee && dec(firstPlan.activationFee).gt(0)) {
      const fee = { amount: round(firstPlan.activationFee, currency), unitPrice: firstPlan.activationFee, discountPercent: '0' }
      lines.push(line('activation', `${planName(firstPlan)}: activation fee`, { ...s, quantity: '1' }, firstPlan.id, null, fee, firstPlan.taxRateId, `activation:${s.id}`, currency))
    }
    const plan = state.plans.get(s.planId)!
    if (s.endDate && compareDates(range.end, s.endDate) === 0 && plan.contractMonths && plan.earlyCancellationFee && dec(plan.earlyCancellationFee).gt(0)) {
      const contractEnd = addDays(addMonths(s.startDate, plan.contractMonths), -1)
      if (compareDates(s.endDate, contractEnd) < 0) {
        const fee = { amount: round(plan.earlyCancellationFee, currency), unitPrice: plan.earlyCancellationFee, discountPercent: '0' }
        lines.push(line('early_cancellation', `${planName(plan)}: early cancellation fee`, { ...s, quantity: '1' }, plan.id, null, fee, plan.taxRateId, `early_cancellation:${s.id}`, currency))
      }
    }
  }
  return { lines, billedThrough: formatDate(range.end) }
}

/** A waiting one-off charge as a line: its own source key is the charge key, so it lands once. */
export function pendingLine(p: PendingChargeInfo, currency: string): LineDraft {
  return {
    kind: 'pending',
    description: p.description,
    serviceId: p.serviceId,
    planId: null,
    periodStart: p.chargeDate,
    periodEnd: p.chargeDate,
    quantity: dec(p.quantity).toFixed(),
    unitPrice: dec(p.unitPrice).toFixed(),
    discountPercent: '0',
    amount: toFixed(dec(p.quantity).times(p.unitPrice), currency),
    taxRateId: p.taxRateId,
    chargeKey: `pending:${p.sourceKey}`,
    pendingChargeId: p.id,
  }
}

export interface CustomerCharges {
  lines: LineDraft[]
  /** New billedThrough per service billed in this run. */
  billedThrough: Record<string, string>
  /** billedThrough of those services before the run (null = never billed): the commit's staleness check. */
  billedBefore: Record<string, string | null>
  periodStart: string | null
  periodEnd: string | null
}

export interface CustomerState {
  terms: BillingTerms
  services: readonly ServiceState[]
  pending: readonly PendingChargeInfo[]
}

/** Everything a customer owes on a run date (plugin lines are added by the loader). */
export function customerCharges(state: CustomerState, runDate: string, currency: string): CustomerCharges {
  const out: CustomerCharges = { lines: [], billedThrough: {}, billedBefore: {}, periodStart: null, periodEnd: null }
  for (const svc of [...state.services].sort((a, b) => a.service.id - b.service.id)) {
    const charge = serviceCharges(svc, state.terms, runDate, currency)
    out.lines.push(...charge.lines)
    if (charge.billedThrough) {
      out.billedThrough[svc.service.id] = charge.billedThrough
      out.billedBefore[svc.service.id] = svc.billedThrough
    }
  }
  for (const p of state.pending) if (compareDates(p.chargeDate, runDate) <= 0) out.lines.push(pendingLine(p, currency))
  for (const l of out.lines) {
    if (l.kind !== 'service' || !l.periodStart || !l.periodEnd) continue
    if (!out.periodStart || l.periodStart < out.periodStart) out.periodStart = l.periodStart
    if (!out.periodEnd || l.periodEnd > out.periodEnd) out.periodEnd = l.periodEnd
  }
  return out
}

/** The period whose usage plugins bill on a run date: the period before the one containing it. */
export function usagePeriod(terms: BillingTerms, runDate: string): { start: string; end: string } {
  const day = terms.type === 'prepaid_daily' ? 1 : terms.billingDay
  const d = toDate(runDate)
  const currentStart = d.day >= day ? d.with({ day }) : d.subtract({ months: 1 }).with({ day })
  return { start: formatDate(currentStart.subtract({ months: 1 })), end: formatDate(addDays(currentStart, -1)) }
}
