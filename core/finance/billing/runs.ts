import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { rows, type Db, type DbOrTx } from '../../../db/client.ts'
import type { Clock } from '../../kernel/clock.ts'
import { isIsoDate } from '../../kernel/dates.ts'
import { NotFoundError, StateError, ValidationError, type FieldError } from '../../kernel/errors.ts'
import { auditChange } from '../../partners/audit.ts'
import { partners } from '../../partners/schema.ts'
import { canSeePartner, type Actor } from '../../partners/scope.ts'
import { type billingRunItems, billingRuns } from '../schema.ts'
import { financeSettings } from '../settings.ts'

export type BillingRun = typeof billingRuns.$inferSelect
export type RunStatus = BillingRun['status']

/** Statuses a job still has work in: the billing job picks runs up by these, so a restart resumes. */
export const WORKING: readonly RunStatus[] = ['previewing', 'committing']

function scopeOf(actor: Pick<Actor, 'partnerIds'>): SQL | undefined {
  if (actor.partnerIds === null) return undefined
  return inArray(billingRuns.partnerId, actor.partnerIds.length ? actor.partnerIds : [-1])
}

/** Checks and records a new run; the billing job previews it. */
export async function createRun(
  db: Db,
  clock: Clock,
  actor: Actor,
  input: { runDate?: unknown; partnerId?: unknown },
): Promise<BillingRun> {
  const errors: FieldError[] = []
  const runDate = typeof input.runDate === 'string' ? input.runDate.trim() : ''
  if (!isIsoDate(runDate)) errors.push({ field: 'runDate', message: 'must be a date as YYYY-MM-DD' })
  let partnerId: number | null = null
  if (input.partnerId !== undefined && input.partnerId !== null && input.partnerId !== '') {
    partnerId = Number(input.partnerId)
    if (!Number.isSafeInteger(partnerId) || partnerId < 1) errors.push({ field: 'partnerId', message: 'must be a partner id' })
  }
  if (partnerId === null && actor.partnerIds !== null)
    errors.push({ field: 'partnerId', message: 'is required: you may bill only the partners you are limited to' })
  return db.transaction(async (tx) => {
    if (partnerId !== null && !errors.length) {
      const [p] = await tx.select({ id: partners.id }).from(partners).where(eq(partners.id, partnerId))
      if (!p || !canSeePartner(actor, partnerId)) errors.push({ field: 'partnerId', message: `partner ${partnerId} does not exist` })
    }
    if (errors.length) throw new ValidationError(errors)
    const [busy] = await tx
      .select({ id: billingRuns.id })
      .from(billingRuns)
      .where(and(inArray(billingRuns.status, ['previewing', 'preview', 'committing']), partnerId === null ? undefined : sql`(${billingRuns.partnerId} is null or ${billingRuns.partnerId} = ${partnerId})`))
      .limit(1)
    if (busy) throw new StateError(`Billing run #${busy.id} is still open: commit or cancel it first`)
    const [run] = await tx
      .insert(billingRuns)
      .values({ runDate, partnerId, status: 'previewing', createdBy: actor.id, createdAt: clock.now() })
      .returning()
    await auditChange(tx, clock, actor, { action: 'billing_run.create', entity: 'billing_run', entityId: run!.id, after: { runDate, partnerId } })
    return run!
  })
}

export async function getRun(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<BillingRun> {
  const [run] = await db.select().from(billingRuns).where(and(eq(billingRuns.id, id), scopeOf(actor)))
  if (!run) throw new NotFoundError('Billing run', id)
  return run
}

export async function listRuns(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  page: { limit: number; offset: number },
): Promise<{ runs: BillingRun[]; total: number }> {
  const where = scopeOf(actor)
  const [runs, [count]] = await Promise.all([
    db.select().from(billingRuns).where(where).orderBy(desc(billingRuns.id)).limit(page.limit).offset(page.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(billingRuns).where(where),
  ])
  return { runs, total: count?.n ?? 0 }
}

/** An admin confirms a preview: the billing job then issues its invoices. */
export async function confirmRun(db: Db, clock: Clock, actor: Actor, id: number): Promise<BillingRun> {
  return db.transaction(async (tx) => {
    const run = await getRun(tx, actor, id)
    const [row] = await tx
      .update(billingRuns)
      .set({ status: 'committing', confirmedBy: actor.id, confirmedAt: clock.now() })
      .where(and(eq(billingRuns.id, id), eq(billingRuns.status, 'preview')))
      .returning()
    if (!row) throw new StateError(`Billing run #${id} is ${run.status}: only a finished preview can be confirmed`)
    await auditChange(tx, clock, actor, { action: 'billing_run.confirm', entity: 'billing_run', entityId: id, before: { status: run.status }, after: { status: 'committing' } })
    return row
  })
}

/** Cancels a run that has issued nothing yet (previewing or preview). */
export async function cancelRun(db: Db, clock: Clock, actor: Actor, id: number): Promise<BillingRun> {
  return db.transaction(async (tx) => {
    const run = await getRun(tx, actor, id)
    const [row] = await tx
      .update(billingRuns)
      .set({ status: 'cancelled', finishedAt: clock.now() })
      .where(and(eq(billingRuns.id, id), inArray(billingRuns.status, ['previewing', 'preview'])))
      .returning()
    if (!row) throw new StateError(`Billing run #${id} is ${run.status}: only a preview can be cancelled`)
    await auditChange(tx, clock, actor, { action: 'billing_run.cancel', entity: 'billing_run', entityId: id, before: { status: run.status }, after: { status: 'cancelled' } })
    return row
  })
}

/** Previews whose auto-confirm time has come are confirmed by the system. */
export async function autoConfirmDue(db: DbOrTx, clock: Clock): Promise<number[]> {
  const done = await db
    .update(billingRuns)
    .set({ status: 'committing', confirmedAt: clock.now() })
    .where(and(eq(billingRuns.status, 'preview'), sql`${billingRuns.autoConfirmAt} <= ${clock.now().toISOString()}::timestamptz`))
    .returning({ id: billingRuns.id })
  return done.map((r) => r.id)
}

/** When a preview confirms itself (null = by hand only), from the finance settings. */
export async function autoConfirmAt(db: DbOrTx, clock: Clock): Promise<Date | null> {
  const days = (await financeSettings(db)).autoConfirmDays
  return days > 0 ? new Date(clock.now().getTime() + days * 86_400_000) : null
}

/** The oldest run with work left for the billing job. */
export async function nextWorkingRun(db: DbOrTx): Promise<BillingRun | undefined> {
  const [run] = await db.select().from(billingRuns).where(inArray(billingRuns.status, [...WORKING])).orderBy(asc(billingRuns.id)).limit(1)
  return run
}

export interface RunTotals {
  customers: number
  invoices: number
  net: string
  tax: string
  total: string
}

/** Totals of a run's items: all of them for a preview (a credit counts negative), the invoiced ones once committed. */
export async function runTotals(db: DbOrTx, runId: number, invoicedOnly: boolean): Promise<RunTotals> {
  const [row] = await rows<RunTotals>(
    db,
    sql`select count(*)::int as customers, count(invoice_id)::int as invoices,
          coalesce(sum(net), 0)::text as net, coalesce(sum(tax), 0)::text as tax, coalesce(sum(total), 0)::text as total
        from billing_run_items where run_id = ${runId} ${invoicedOnly ? sql`and status = 'invoiced'` : sql``}`,
  )
  return row!
}

export interface PlanTotal {
  planId: number | null
  plan: string
  lines: number
  amount: string
}

/** Line amounts of a run summed per plan (plugin and one-off lines under their description). */
export async function totalsPerPlan(db: DbOrTx, runId: number): Promise<PlanTotal[]> {
  return rows<PlanTotal>(
    db,
    sql`select (l->>'planId')::int as "planId", coalesce(p.name, l->>'description') as plan, count(*)::int as lines,
          sum((l->>'amount')::numeric)::text as amount
        from billing_run_items i cross join lateral jsonb_array_elements(i.lines) l
        left join plans p on p.id = (l->>'planId')::int
        where i.run_id = ${runId}
        group by 1, 2 order by sum((l->>'amount')::numeric) desc limit 200`,
  )
}

export type RunItemRow = typeof billingRunItems.$inferSelect & {
  customerName: string
  customerLogin: string
  invoiceNumber: string | null
  creditNoteNumber: string | null
}

/** A page of a run's customers with their lines, totals and invoice. */
export async function runItems(
  db: DbOrTx,
  runId: number,
  page: { limit: number; offset: number; status?: string | undefined },
): Promise<{ items: RunItemRow[]; total: number }> {
  const status = page.status ? sql`and i.status = ${page.status}` : sql``
  const [items, [count]] = await Promise.all([
    rows<RunItemRow>(
      db,
      sql`select i.run_id as "runId", i.customer_id as "customerId", i.status, i.lines, i.net::text as net, i.tax::text as tax,
            i.total::text as total, i.invoice_id as "invoiceId", i.error, c.name as "customerName", c.login as "customerLogin",
            inv.number as "invoiceNumber", i.credit_note_id as "creditNoteId", cn.number as "creditNoteNumber"
          from billing_run_items i join customers c on c.id = i.customer_id left join invoices inv on inv.id = i.invoice_id
            left join credit_notes cn on cn.id = i.credit_note_id
          where i.run_id = ${runId} ${status} order by i.customer_id limit ${page.limit} offset ${page.offset}`,
    ),
    rows<{ n: number }>(db, sql`select count(*)::int as n from billing_run_items i where i.run_id = ${runId} ${status}`),
  ])
  return { items, total: count?.n ?? 0 }
}
