import t from 'tap'
import { count, eq } from 'drizzle-orm'
import { testDatabase } from '../../helpers/db.ts'
import { loadDemo } from '../../../scripts/demo.ts'
import { loadCustomers } from '../../../scripts/loadgen.ts'
import { customerContacts, customers } from '../../../core/customers/schema.ts'
import { partners } from '../../../core/partners/schema.ts'
import { EXACT_COUNT_LIMIT, searchCustomers } from '../../../core/customers/search.ts'
import { auditLog } from '../../../core/audit/schema.ts'
import { admin, deps } from './fixtures.ts'

const database = await testDatabase()
t.teardown(database.close)
const { db } = database

t.test('demo data: partners, multilingual customers, contacts; loads once', async (t) => {
  const first = await loadDemo(db, deps(), 24)
  t.match(first, { loaded: true, partners: 3, customers: 24 })
  t.ok(first.contacts > 0)
  t.equal((await db.select({ n: count() }).from(partners))[0]!.n, 3)
  const rows = await db.select().from(customers)
  t.equal(rows.length, 24)
  t.same([...new Set(rows.map((r) => r.language))].sort(), ['en', 'es', 'pl', 'uk'], 'all four languages')
  t.ok(rows.some((r) => /[А-Яа-яІіЇїЄє]/.test(r.name)), 'Cyrillic names')
  t.ok(rows.some((r) => r.status === 'active') && rows.some((r) => r.status !== 'active'), 'a mix of statuses')
  t.ok(rows.every((r) => r.billingDay >= 1 && r.billingDay <= 28))
  t.equal((await db.select({ n: count() }).from(customerContacts))[0]!.n, first.contacts)
  t.ok((await db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, 'customer.create')))[0]!.n >= 24, 'created through the audited service')
  const again = await loadDemo(db, deps(), 24)
  t.equal(again.loaded, false, 'a second run does nothing')
  t.equal((await db.select({ n: count() }).from(customers))[0]!.n, 24)
})

t.test('load generator and counts of broad searches', async (t) => {
  const before = (await db.select({ n: count() }).from(customers))[0]!.n
  const { firstId, lastId } = await loadCustomers(database.sql, 1200, { seed: 7, batch: 500 })
  t.equal(lastId - firstId + 1, 1200)
  t.equal((await db.select({ n: count() }).from(customers))[0]!.n, before + 1200)
  const all = await searchCustomers(db, admin, { limit: 10 })
  t.equal(all.totalExact, false, 'more than the exact-count limit: an estimate')
  t.ok(all.total! > EXACT_COUNT_LIMIT, `estimate ${all.total} is above the limit`)
  const exact = await searchCustomers(db, admin, { limit: 10, count: 'exact' })
  t.equal(exact.total, before + 1200)
  t.equal(exact.totalExact, true)
  const loginOf = (await db.select({ login: customers.login }).from(customers).where(eq(customers.id, firstId + 5)))[0]!.login
  const one = await searchCustomers(db, admin, { q: loginOf })
  t.same(one.items.map((c) => c.id), [firstId + 5], 'a generated login is found')
})
