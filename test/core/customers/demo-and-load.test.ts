import t from 'tap'
import { count, eq, sql } from 'drizzle-orm'
import { testDatabase } from '../../helpers/db.ts'
import { loadDemo } from '../../../scripts/demo.ts'
import { loadCustomers } from '../../../scripts/loadgen.ts'
import { customerContacts, customers } from '../../../core/customers/schema.ts'
import { partners } from '../../../core/partners/schema.ts'
import { searchCustomers } from '../../../core/customers/search.ts'
import { forgetSample } from '../../../core/customers/search-sample.ts'
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
  forgetSample(db) // the table grew by 1,200 since the first search: take a new sample now
  const all = await searchCustomers(db, admin, { limit: 10 })
  t.equal(all.totalExact, false, 'a broad list on a big table shows an estimate')
  t.ok(Math.abs(all.total! - (before + 1200)) <= 120, `estimate ${all.total} is close to ${before + 1200}`)
  const exact = await searchCustomers(db, admin, { limit: 10, count: 'exact' })
  t.equal(exact.total, before + 1200)
  t.equal(exact.totalExact, true)
  const loginOf = (await db.select({ login: customers.login }).from(customers).where(eq(customers.id, firstId + 5)))[0]!.login
  const one = await searchCustomers(db, admin, { q: loginOf })
  t.same(one.items.map((c) => c.id), [firstId + 5], 'a generated login is found')
})

t.test('both ways of reading a page give the rows and totals of a plain query', async (t) => {
  forgetSample(db)
  const reference = async (words: string[], offset: number) => {
    const where = sql.join(words.map((w) => sql`${customers.searchText} like ${`%${w}%`}`), sql` and `)
    const ids = (await db.select({ id: customers.id }).from(customers).where(where).orderBy(customers.id)).map((r) => r.id)
    return { ids: ids.slice(offset, offset + 25), total: ids.length }
  }
  const common = (await db.execute(sql`select split_part(email, '@', 2) as d from customers where email is not null group by 1 order by count(*) desc limit 1`)) as unknown
  const domain = ((Array.isArray(common) ? common : (common as { rows: { d: string }[] }).rows) as { d: string }[])[0]!.d
  const someone = (await db.select({ login: customers.login }).from(customers).orderBy(customers.id).offset(600).limit(1))[0]!.login
  for (const [q, offset] of [[domain, 0], [domain, 50], [someone, 0], ['zzqx', 0], ['a e', 25]] as const) {
    const page = await searchCustomers(db, admin, { q, offset, limit: 25 })
    const want = await reference(q.split(' '), offset)
    t.same(page.items.map((c) => c.id), want.ids, `rows of "${q}" from ${offset}`)
    if (page.totalExact) t.equal(page.total, want.total, `exact total of "${q}"`)
    else t.ok(Math.abs(page.total! - want.total) <= Math.max(60, want.total * 0.3), `estimate ${page.total} of "${q}" near ${want.total}`)
    const exact = await searchCustomers(db, admin, { q, offset, limit: 25, count: 'exact' })
    t.equal(exact.total, want.total, `count=exact of "${q}"`)
  }
})
