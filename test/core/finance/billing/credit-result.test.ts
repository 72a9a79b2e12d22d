import t from 'tap'
import { eq, sql } from 'drizzle-orm'
import { itemOut } from '../../../../core/finance/billing/api.ts'
import { workRuns } from '../../../../core/finance/billing/process.ts'
import { confirmRun, createRun, getRun, runItems } from '../../../../core/finance/billing/runs.ts'
import { voidCreditNote } from '../../../../core/finance/credit-notes/void.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { creditNoteItems, creditNotes, ledgerEntries, pendingCharges } from '../../../../core/finance/schema.ts'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { schedulePlanChange } from '../../../../core/services/plan-change.ts'
import { rows } from '../../../../db/client.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { admin, customer, mainPartner, plan, runBilling, service } from './fixtures.ts'

t.setTimeout(600_000)

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
const partner = await mainPartner(db)

const invoicesOf = (customerId: number) =>
  rows<{ id: number; total: string; paid: string; status: string }>(
    db,
    sql`select id, total::text, paid_amount::text as paid, status::text from invoices where customer_id = ${customerId} order by id`,
  )

/** A prepaid customer billed 200 for January who moves to a 10 plan on 20 January. */
async function downgraded(tag: string) {
  const c = await customer(db, partner, { type: 'recurring_prepaid' })
  const old = await plan(db, { name: `Big 200 ${tag}`, price: '200' })
  const small = await plan(db, { name: `Small 10 ${tag}`, price: '10' })
  const s = await service(db, c, old, { start: '2026-01-01' })
  await runBilling(db, new ManualClock('2026-01-01T06:00:00Z'), '2026-01-01')
  await schedulePlanChange(db, { clock: new ManualClock('2026-01-20T06:00:00Z'), emit: emitEvent }, admin, s, {
    planId: small,
    effectiveDate: '2026-01-20',
  })
  return { c, s }
}

t.test('a run whose result is a credit issues a credit note, never a negative invoice', async (t) => {
  const { c } = await downgraded('a')
  // An unrelated one-off charge waits for a real invoice instead of being netted into the credit.
  await db.insert(pendingCharges).values({ customerId: c, description: 'Cable', chargeDate: '2026-01-15', unitPrice: '5', sourceKey: `cable:${c}` })
  const clock = new ManualClock('2026-01-20T07:00:00Z')
  const run = await createRun(db, clock, admin, { runDate: '2026-01-20' })
  await workRuns({ db, clock })
  const preview = await runItems(db, run.id, { limit: 50, offset: 0 })
  const mine = preview.items.find((i) => i.customerId === c)!
  const shown = itemOut(mine)
  t.equal(shown.document, 'credit_note', 'the preview says a credit note will be issued')
  t.equal(shown.total, '-73.55', '−(200 − 200/31×19) + 10/31×12 = −77.42 + 3.87')
  t.same(
    shown.lines.map((l) => [l.kind, l.amount]),
    [
      ['change_credit', '-77.42'],
      ['change_charge', '3.87'],
    ],
  )

  await confirmRun(db, clock, admin, run.id)
  await workRuns({ db, clock })
  const committed = await getRun(db, admin, run.id)
  t.equal(committed.status, 'committed')
  const [item] = await rows<{ status: string; invoiceId: number | null; creditNoteId: number | null }>(
    db,
    sql`select status::text, invoice_id as "invoiceId", credit_note_id as "creditNoteId" from billing_run_items where run_id = ${run.id} and customer_id = ${c}`,
  )
  t.equal(item!.status, 'credited')
  t.equal(item!.invoiceId, null)
  const invs = await invoicesOf(c)
  t.equal(invs.length, 1, 'no invoice was issued by the run')
  t.ok(invs.every((i) => !i.total.startsWith('-')), 'no negative invoice exists')
  const [note] = await db.select().from(creditNotes).where(eq(creditNotes.id, item!.creditNoteId!))
  t.equal(note!.total, '73.5500')
  t.equal(note!.customerId, c)
  t.match(note!.reason, new RegExp(`Billing run #${run.id}`))
  const lines = await db.select().from(creditNoteItems).where(eq(creditNoteItems.creditNoteId, note!.id))
  t.same(
    lines.sort((a, b) => a.position - b.position).map((l) => [l.amount, l.chargeKey?.replace(/^change:\d+:/, 'change:')]),
    [
      ['77.4200', 'change:2026-01-20:credit'],
      ['-3.8700', 'change:2026-01-20:charge'],
    ],
    'the credit positive, the new plan charge against it, each under its charge key',
  )
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.creditNoteId, note!.id))
  t.same(entries.map((e) => [e.kind, e.credit]), [['credit_note', '73.5500']])
  t.equal((await customerBalance(db, c)).toFixed(2), '-126.45', '−200 + 73.55')
  t.same((await invoicesOf(c)).map((i) => i.paid), ['73.5500'], 'the credit settles the open January invoice at once')
  const [cable] = await db.select().from(pendingCharges).where(eq(pendingCharges.customerId, c))
  t.equal(cable!.invoiceItemId, null, 'the one-off charge is still waiting')

  await runBilling(db, new ManualClock('2026-01-20T08:00:00Z'), '2026-01-20')
  t.equal((await db.select().from(creditNotes).where(eq(creditNotes.customerId, c))).length, 1, 'a re-run credits nothing twice')
  t.same((await invoicesOf(c)).map((i) => i.total), ['200.0000', '5.0000'], 'only the waiting cable is invoiced, on its own')
  const third = await runBilling(db, new ManualClock('2026-01-20T09:00:00Z'), '2026-01-20')
  t.equal(third.preview.customers, 0, 'then a re-run does nothing')

  await runBilling(db, new ManualClock('2026-02-01T06:00:00Z'), '2026-02-01')
  const feb = (await invoicesOf(c)).at(-1)!
  t.equal(feb.total, '10.0000', 'February on the new plan')
  t.equal((await db.select().from(creditNotes).where(eq(creditNotes.customerId, c))).length, 1)
  t.equal((await customerBalance(db, c)).toFixed(2), '-141.45', '−200 + 73.55 − 5 − 10')
})

t.test('voiding a run credit note releases its charges: the next run credits the change again', async (t) => {
  const { c } = await downgraded('b')
  const clock = new ManualClock('2026-01-20T07:00:00Z')
  await runBilling(db, clock, '2026-01-20')
  const [note] = await db.select().from(creditNotes).where(eq(creditNotes.customerId, c))
  t.equal(note!.total, '73.5500')
  await voidCreditNote(db, { clock, emit: emitEvent }, admin, note!.id, 'issued in error')
  t.equal((await customerBalance(db, c)).toFixed(2), '-200.00')
  t.same((await invoicesOf(c)).map((i) => [i.status, i.paid]), [['issued', '0.0000']], 'its credit is taken off the invoice')
  const kept = await db.select().from(creditNoteItems).where(eq(creditNoteItems.creditNoteId, note!.id))
  t.equal(kept.length, 2, 'the void note keeps its lines')
  t.ok(kept.every((l) => l.releasedAt !== null && l.chargeKey !== null))

  await runBilling(db, new ManualClock('2026-01-20T08:00:00Z'), '2026-01-20')
  const notes = await db.select().from(creditNotes).where(eq(creditNotes.customerId, c))
  t.same(notes.map((n) => [n.status, n.total]).sort(), [['issued', '73.5500'], ['void', '73.5500']])
  t.not(notes[0]!.number, notes[1]!.number)
  t.equal((await customerBalance(db, c)).toFixed(2), '-126.45')
  t.equal((await runBilling(db, new ManualClock('2026-01-20T09:00:00Z'), '2026-01-20')).preview.customers, 0, 'then nothing more')
})
