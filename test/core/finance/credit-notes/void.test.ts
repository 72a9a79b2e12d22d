import t from 'tap'
import { and, eq, sql } from 'drizzle-orm'
import { auditLog } from '../../../../core/audit/schema.ts'
import { issueCreditNote } from '../../../../core/finance/credit-notes/issue.ts'
import { CreditNoteUsedError, voidCreditNote } from '../../../../core/finance/credit-notes/void.ts'
import { createManualInvoice } from '../../../../core/finance/invoices/manual.ts'
import { appendLedger, customerBalance } from '../../../../core/finance/ledger.ts'
import { creditNotes, ledgerEntries, paymentAllocations } from '../../../../core/finance/schema.ts'
import { testApp } from '../../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { financeDeps, invoiceRow, newCustomer, person } from '../documents/fixtures.ts'

t.setTimeout(600_000)

const ctx = await testApp()
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
const deps = financeDeps()
const boss = await createAdmin(db, {})
const key = await createApiKey(db, boss.id, ['finance.*', 'invoices.*', 'credit_notes.*'])
const viewer = await createApiKey(db, boss.id, ['finance.view'])
const call = (url: string, payload?: Record<string, unknown>, k = key) =>
  app.inject({ method: payload ? 'POST' : 'GET', url, headers: { authorization: `Bearer ${k}` }, ...(payload ? { payload } : {}) })

const netAllocated = async (creditNoteId: number) =>
  (
    await db
      .select({ n: sql<string>`coalesce(sum(${paymentAllocations.amount}), 0)::text` })
      .from(paymentAllocations)
      .where(eq(paymentAllocations.creditNoteId, creditNoteId))
  )[0]!.n

t.test('API: voiding a credit note corrects the ledger, reopens the invoice it paid, is audited and final', async (t) => {
  const c = await newCustomer(db)
  const inv = await createManualInvoice(db, deps, person, { customerId: c.id, lines: [{ description: 'Internet', quantity: '1', unitPrice: '100' }] })
  const issued = await call('/api/v1/credit-notes', { invoiceId: inv.id, reason: 'Outage', amount: '40.00' })
  t.equal(issued.statusCode, 201, issued.body)
  const cn = issued.json()
  t.equal((await invoiceRow(db, inv.id)).paidAmount, '40.0000')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-60.00')

  const denied = await call(`/api/v1/credit-notes/${cn.id}/void`, { reason: 'x' }, viewer)
  t.equal(denied.statusCode, 403, 'needs credit_notes.manage')
  const noReason = await call(`/api/v1/credit-notes/${cn.id}/void`, { reason: '' })
  t.equal(noReason.statusCode, 400)

  const voided = await call(`/api/v1/credit-notes/${cn.id}/void`, { reason: 'outage was on our side after all' })
  t.equal(voided.statusCode, 200, voided.body)
  t.match(voided.json(), { id: cn.id, number: cn.number, status: 'void', total: '40', voidReason: 'outage was on our side after all' })
  const [row] = await db.select().from(creditNotes).where(eq(creditNotes.id, cn.id))
  t.equal(row!.voidReason, 'outage was on our side after all')
  t.ok(row!.voidedAt)

  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.creditNoteId, cn.id))
  const original = entries.find((e) => e.kind === 'credit_note')!
  const correction = entries.find((e) => e.kind === 'credit_note_void')!
  t.same([original.credit, correction.debit], ['40.0000', '40.0000'])
  t.equal(correction.correctsId, original.id, 'the correction points at the entry it corrects')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-100.00')
  const after = await invoiceRow(db, inv.id)
  t.same([after.paidAmount, after.status], ['0.0000', 'issued'], 'the invoice is due in full again')
  t.equal(await netAllocated(cn.id), '0.0000', 'its allocations are taken back by negative rows')

  const audited = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'credit_note.void'), eq(auditLog.entityId, String(cn.id))))
  t.equal(audited.length, 1)
  t.equal(audited[0]!.actorId, boss.id)
  t.match(audited[0]!.before, { status: 'issued' })
  t.match(audited[0]!.after, { status: 'void' })

  const twice = await call(`/api/v1/credit-notes/${cn.id}/void`, { reason: 'again' })
  t.equal(twice.statusCode, 409)
  t.match(twice.json().message, /already void/)
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-100.00')
  const reissue = await call('/api/v1/credit-notes', { invoiceId: inv.id, reason: 'Real outage', amount: '100.00' })
  t.equal(reissue.statusCode, 201, 'a void credit note no longer counts against what is creditable')
})

t.test('an account credit spread over several invoices is taken back from each', async (t) => {
  const c = await newCustomer(db)
  const a = await createManualInvoice(db, deps, person, { customerId: c.id, issueDate: '2026-03-01', lines: [{ description: 'A', quantity: '1', unitPrice: '20' }] })
  const b = await createManualInvoice(db, deps, person, { customerId: c.id, issueDate: '2026-03-02', lines: [{ description: 'B', quantity: '1', unitPrice: '20' }] })
  const cn = await issueCreditNote(db, deps, person, { customerId: c.id, reason: 'Goodwill', lines: [{ description: 'Goodwill', amount: '30.00' }] })
  t.same([(await invoiceRow(db, a.id)).status, (await invoiceRow(db, b.id)).paidAmount], ['paid', '10.0000'])
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-10.00')
  await voidCreditNote(db, deps, person, cn.id, 'not agreed')
  t.same(
    [await invoiceRow(db, a.id), await invoiceRow(db, b.id)].map((i) => [i.status, i.paidAmount]),
    [
      ['issued', '0.0000'],
      ['issued', '0.0000'],
    ],
  )
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-40.00')
})

t.test('a refunded credit note cannot be voided: a typed error, and nothing changes', async (t) => {
  const c = await newCustomer(db)
  const cn = await issueCreditNote(db, deps, person, { customerId: c.id, reason: 'Overcharge', lines: [{ description: 'Overcharge', amount: '15.00' }] })
  await appendLedger(db, [
    { customerId: c.id, partnerId: c.partnerId, kind: 'refund', entryDate: '2026-03-10', debit: '15.00', description: 'Refund of the overcharge', creditNoteId: cn.id },
  ])
  const balance = (await customerBalance(db, c.id)).toFixed(2)
  const err = await voidCreditNote(db, deps, person, cn.id, 'mistake').catch((e) => e)
  t.ok(err instanceof CreditNoteUsedError, 'CreditNoteUsedError')
  t.equal(err.use, 'refunded')
  t.equal(err.status, 409)
  t.match(err.message, /refunded/)
  const [row] = await db.select().from(creditNotes).where(eq(creditNotes.id, cn.id))
  t.equal(row!.status, 'issued')
  t.equal((await customerBalance(db, c.id)).toFixed(2), balance)
  const api = await call(`/api/v1/credit-notes/${cn.id}/void`, { reason: 'mistake' })
  t.equal(api.statusCode, 409)
  t.match(api.json().message, /cannot be taken back/)
})

t.test('panel: the credit note page offers Void; the action voids it and says so', async (t) => {
  const c = await newCustomer(db)
  const cn = await issueCreditNote(db, deps, person, { customerId: c.id, reason: 'Promo', lines: [{ description: 'Promo', amount: '5.00' }] })
  const s = await adminSession(app)
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } })
  const page = await get(`/admin/finance/credit-notes/${cn.id}`)
  t.equal(page.statusCode, 200, page.body.slice(0, 300))
  t.match(page.body, /Void credit note/)
  t.match(page.body, /cannot be voided once its credit was refunded/)
  const post = await app.inject({
    method: 'POST',
    url: `/admin/finance/credit-notes/${cn.id}/void`,
    headers: { cookie: s.cookie, accept: 'text/html' },
    payload: { _csrf: s.csrf, reason: 'promo withdrawn' },
  })
  t.equal(post.statusCode, 303, post.body.slice(0, 300))
  t.equal(post.headers.location, `/admin/finance/credit-notes/${cn.id}`)
  const [row] = await db.select().from(creditNotes).where(eq(creditNotes.id, cn.id))
  t.equal(row!.status, 'void')
  const shown = await get(`/admin/finance/credit-notes/${cn.id}`)
  t.match(shown.body, /promo withdrawn/)
  t.notMatch(shown.body, /Void credit note/, 'void is final')
  const audited = await db.select().from(auditLog).where(and(eq(auditLog.action, 'credit_note.void'), eq(auditLog.actorId, s.id)))
  t.equal(audited.length, 1)
})
