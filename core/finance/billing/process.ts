import { and, eq, sql } from 'drizzle-orm'
import { rows, type Db } from '../../../db/client.ts'
import type { Clock } from '../../kernel/clock.ts'
import { loadIssueContext, type IssueContext } from '../invoices/issue.ts'
import { billingRunItems, billingRuns } from '../schema.ts'
import type { BillingTypeName } from './charges.ts'
import { billsOfBatch, loadBillingBatch, type CustomerBill, type StoredLine } from './compute.ts'
import { issueBills, type IssueOutcome } from './issue-batch.ts'
import { dueCustomerIds, loadPlans } from './load.ts'
import type { InvoiceItemSource } from './plugin-lines.ts'
import { autoConfirmAt, nextWorkingRun, runTotals, type BillingRun } from './runs.ts'
import { settleFromCredit } from './settle.ts'
import { intArray } from '../../../db/arrays.ts'

export interface EngineDeps {
  db: Db
  clock: Clock
  plugins?: readonly InvoiceItemSource[]
  progress?: (percent: number, message: string) => Promise<void>
  /** Aborted at shutdown: the engine stops between batches; the run resumes on the next start. */
  signal?: AbortSignal
  /** Customers per batch (and per commit transaction). */
  batchSize?: number
}

const DEFAULT_BATCH = 1000

/**
 * Computes the lines of every customer due on the run date and stores them as run items (nothing is
 * issued). Resumable: customers already previewed are skipped, so a killed preview picks up after the
 * last stored customer. Ends in 'preview' with its totals and auto-confirm time.
 */
export async function previewRun(deps: EngineDeps, run: BillingRun): Promise<'done' | 'stopped'> {
  const { db } = deps
  const batchSize = deps.batchSize ?? DEFAULT_BATCH
  const context = await loadIssueContext(db)
  const plans = await loadPlans(db)
  const [last] = await rows<{ id: number | null }>(db, sql`select max(customer_id) as id from billing_run_items where run_id = ${run.id}`)
  const ids = await dueCustomerIds(db, {
    runDate: run.runDate,
    partnerId: run.partnerId,
    defaultType: context.finance.defaultBillingType as BillingTypeName,
    timeZone: context.core.timeZone,
    afterId: last?.id ?? 0,
  })
  const options = { runDate: run.runDate, context, plans, plugins: deps.plugins ?? [] }
  const load = (i: number) => {
    const loading = loadBillingBatch(db, ids.slice(i, i + batchSize), options)
    loading.catch(() => {}) // awaited below; a batch never reached must not be an unhandled rejection
    return loading
  }
  // Pipelined: the next batch is read while this one is priced, and this one's items are stored
  // while the next one is priced. Stores stay in customer order, one at a time, so a killed preview
  // still resumes after its last stored customer.
  let next = ids.length ? load(0) : null
  let storing: Promise<void> = Promise.resolve()
  try {
    for (let i = 0; i < ids.length; i += batchSize) {
      if (deps.signal?.aborted) {
        await storing
        return 'stopped'
      }
      const batch = await next!
      next = i + batchSize < ids.length ? load(i + batchSize) : null
      const bills = await billsOfBatch(db, batch, options)
      await storing
      if (i > 0) await reportPreview(deps, run, i, ids.length)
      storing = storeItems(db, run.id, bills)
    }
    await storing
  } finally {
    // On an error, nothing is left writing behind it (its own error, if any, is the one thrown).
    await storing.catch(() => {})
  }
  if (ids.length) await reportPreview(deps, run, ids.length, ids.length)
  const totals = await runTotals(db, run.id, false)
  await db
    .update(billingRuns)
    .set({ ...totals, invoices: 0, status: 'preview', autoConfirmAt: await autoConfirmAt(db, deps.clock) })
    .where(and(eq(billingRuns.id, run.id), eq(billingRuns.status, 'previewing')))
  return 'done'
}

async function storeItems(db: Db, runId: number, bills: readonly CustomerBill[]): Promise<void> {
  if (!bills.length) return
  await db.execute(sql`
    insert into billing_run_items (run_id, customer_id, status, lines, net, tax, total)
    select ${runId}, customer_id, 'pending', lines, net, tax, total
    from jsonb_to_recordset(${JSON.stringify(bills.map((b) => ({ customer_id: b.customerId, lines: b.lines, net: b.net, tax: b.tax, total: b.total })))}::jsonb)
      as x(customer_id int, lines jsonb, net numeric, tax numeric, total numeric)
    on conflict do nothing`)
}

function reportPreview(deps: EngineDeps, run: BillingRun, done: number, of: number) {
  return deps.progress?.(Math.round((done / of) * 100), `Run #${run.id}: previewed ${done} of ${of} customers`)
}

async function recordOutcomes(tx: Parameters<Parameters<Db['transaction']>[0]>[0], runId: number, outcomes: readonly IssueOutcome[]) {
  if (!outcomes.length) return
  await tx.execute(sql`
    update billing_run_items i set status = v.status::billing_run_item_status, invoice_id = v.invoice, credit_note_id = v.note, error = v.error
    from jsonb_to_recordset(${JSON.stringify(outcomes.map((o) => ({ customer: o.customerId, status: o.status, invoice: o.invoiceId, note: o.creditNoteId ?? null, error: o.error })))}::jsonb)
      as v(customer int, status text, invoice int, note int, error text)
    where i.run_id = ${runId} and i.customer_id = v.customer`)
}

async function commitBatch(deps: EngineDeps, context: IssueContext, run: BillingRun, items: { customerId: number; lines: Record<string, unknown>[] }[]) {
  const bills = items.map((i) => ({ customerId: i.customerId, lines: i.lines as unknown as StoredLine[] }))
  const outcomes = await deps.db.transaction(async (tx) => {
    const out = await issueBills(tx, context, run.runDate, bills, { billingRunId: run.id })
    await recordOutcomes(tx, run.id, out)
    await settleFromCredit(tx, out, deps.clock.now())
    return out
  })
  return outcomes
}

/**
 * Issues the invoices of a confirmed run, customer by customer in batches: each batch is one
 * transaction (invoices, lines, taxes, ledger, events, billedThrough and the items' status), so a run
 * killed at any point resumes from the items still pending and ends exactly as an uninterrupted one.
 * A batch that fails is retried customer by customer; a customer that still fails is marked failed.
 */
export async function commitRun(deps: EngineDeps, run: BillingRun): Promise<'done' | 'stopped'> {
  const { db } = deps
  const batchSize = deps.batchSize ?? DEFAULT_BATCH
  const context = await loadIssueContext(db)
  const [{ n: total } = { n: 0 }] = await rows<{ n: number }>(db, sql`select count(*)::int as n from billing_run_items where run_id = ${run.id}`)
  // The customers left, listed once: each batch reads its items by key, the next batch's on another
  // connection while this one commits (an index over a status that every batch updates would be
  // scanned from the start again on each batch).
  const ids = (
    await rows<{ id: number }>(db, sql`select customer_id as id from billing_run_items where run_id = ${run.id} and status = 'pending' order by customer_id`)
  ).map((r) => r.id)
  const itemsOf = (i: number) => {
    const reading = rows<{ customerId: number; status: string; lines: Record<string, unknown>[] }>(
      db,
      sql`select customer_id as "customerId", status, lines from billing_run_items
          where run_id = ${run.id} and customer_id = any(${intArray(ids.slice(i, i + batchSize))}) order by customer_id`,
    ).then((found) => found.filter((r) => r.status === 'pending'))
    reading.catch(() => {}) // awaited below; one never reached must not be an unhandled rejection
    return reading
  }
  let left = ids.length
  let next = ids.length ? itemsOf(0) : null
  for (let i = 0; i < ids.length; i += batchSize) {
    if (deps.signal?.aborted) return 'stopped'
    const items = await next!
    next = i + batchSize < ids.length ? itemsOf(i + batchSize) : null
    try {
      if (items.length) await commitBatch(deps, context, run, items)
    } catch {
      for (const item of items) {
        try {
          await commitBatch(deps, context, run, [item])
        } catch (err) {
          await db
            .update(billingRunItems)
            .set({ status: 'failed', error: String((err as Error)?.message ?? err).slice(0, 2000) })
            .where(and(eq(billingRunItems.runId, run.id), eq(billingRunItems.customerId, item.customerId)))
        }
      }
    }
    left -= Math.min(batchSize, ids.length - i)
    await deps.progress?.(total ? Math.round(((total - left) / total) * 100) : 100, `Run #${run.id}: ${total - left} of ${total} customers done`)
  }
  const totals = await runTotals(db, run.id, true)
  await db
    .update(billingRuns)
    .set({ ...totals, status: 'committed', finishedAt: deps.clock.now() })
    .where(and(eq(billingRuns.id, run.id), eq(billingRuns.status, 'committing')))
  return 'done'
}

/** Works through every run with work left, oldest first, until none is left or the signal stops it. */
export async function workRuns(deps: EngineDeps): Promise<{ previewed: number[]; committed: number[] }> {
  const done = { previewed: [] as number[], committed: [] as number[] }
  for (;;) {
    const run = await nextWorkingRun(deps.db)
    if (!run) return done
    try {
      if (run.status === 'previewing') {
        if ((await previewRun(deps, run)) === 'stopped') return done
        done.previewed.push(run.id)
      } else {
        if ((await commitRun(deps, run)) === 'stopped') return done
        done.committed.push(run.id)
      }
    } catch (err) {
      // A preview that cannot be computed (bad data) fails visibly instead of blocking the queue.
      if (run.status !== 'previewing') throw err
      await deps.db
        .update(billingRuns)
        .set({ status: 'failed', error: String((err as Error)?.stack ?? err).slice(0, 4000), finishedAt: deps.clock.now() })
        .where(eq(billingRuns.id, run.id))
    }
  }
}
