import t from 'tap'
import { testDatabase } from '../../helpers/db.ts'
import { createCustomer } from '../../../core/customers/service.ts'
import { searchCustomers } from '../../../core/customers/search.ts'
import { exportCustomersCsv } from '../../../core/customers/export.ts'
import { parse } from 'csv-parse/sync'
import { admin, deps, twoPartners } from './fixtures.ts'

const database = await testDatabase()
t.teardown(database.close)
const { db } = database
const d = deps()
const p = await twoPartners(db)

const people = [
  { name: 'Olena Kovalenko', login: 'olena', email: 'olena@mail.ua', phone: '+380 67 123 4567', street: 'Shevchenka 12', city: 'Lviv', status: 'active' },
  { name: 'Ana García López', login: 'ana.garcia', email: 'ana@correo.es', phone: '+34 612 345 678', street: 'Calle Mayor 5', city: 'Madrid', status: 'active' },
  { name: 'Jan Kowalski', login: 'jkowalski', email: 'jan@poczta.pl', phone: '+48 601 234 567', street: 'Długa 7', city: 'Gdańsk', status: 'blocked' },
  { name: 'Acme Ltd', login: 'acme', email: 'billing@acme.com', city: 'London', category: 'company', status: 'new' },
  { name: 'Zoe Kovacs', login: 'zoe', email: 'zoe@example.org', city: 'Lviv', status: 'inactive', partnerId: p.reseller },
]
const ids: number[] = []
for (const person of people) ids.push((await createCustomer(db, d, admin, { partnerId: p.main, ...person })).id)

const names = async (query: Parameters<typeof searchCustomers>[2], actor = admin) =>
  (await searchCustomers(db, actor, query)).items.map((c) => c.name)

t.test('search-as-you-type over name, login, e-mail, phone and address', async (t) => {
  t.same(await names({ q: 'kova' }), ['Olena Kovalenko', 'Zoe Kovacs'], 'part of a name, any case')
  t.same(await names({ q: 'KOWALSKI' }), ['Jan Kowalski'])
  t.same(await names({ q: 'correo' }), ['Ana García López'], 'e-mail')
  t.same(await names({ q: '612 345' }), ['Ana García López'], 'phone, two words both required')
  t.same(await names({ q: 'calle mayor' }), ['Ana García López'], 'street')
  t.same(await names({ q: 'długa' }), ['Jan Kowalski'], 'non-ASCII letters')
  t.same(await names({ q: 'lviv olena' }), ['Olena Kovalenko'], 'every word must match')
  t.same(await names({ q: '100%' }), [], 'LIKE wildcards are literal')
  t.ok((await names({ q: String(ids[3]) })).includes('Acme Ltd'), 'digits match the id')
})

t.test('filters', async (t) => {
  t.same(await names({ status: 'active' }), ['Olena Kovalenko', 'Ana García López'])
  t.same(await names({ category: 'company' }), ['Acme Ltd'])
  t.same(await names({ city: 'lviv' }), ['Olena Kovalenko', 'Zoe Kovacs'])
  t.same(await names({ partnerId: p.reseller }), ['Zoe Kovacs'])
  t.same(await names({ city: 'Lviv', status: 'inactive' }), ['Zoe Kovacs'])
})

t.test('sorting', async (t) => {
  t.same(await names({ sort: 'name' }), ['Acme Ltd', 'Ana García López', 'Jan Kowalski', 'Olena Kovalenko', 'Zoe Kovacs'])
  t.same((await names({ sort: 'name', order: 'desc' }))[0], 'Zoe Kovacs')
  t.same((await searchCustomers(db, admin, { sort: 'login' })).items.map((c) => c.login), ['acme', 'ana.garcia', 'jkowalski', 'olena', 'zoe'])
  t.same((await searchCustomers(db, admin, { sort: 'id', order: 'desc' })).items.map((c) => c.id), [...ids].reverse())
  t.same(await names({ sort: 'status' }), ['Acme Ltd', 'Olena Kovalenko', 'Ana García López', 'Jan Kowalski', 'Zoe Kovacs'], 'status in lifecycle order')
  t.same((await searchCustomers(db, admin, { sort: 'created' })).items.map((c) => c.id), ids)
})

t.test('paging and counts', async (t) => {
  const page1 = await searchCustomers(db, admin, { limit: 2, offset: 0 })
  t.same(page1.items.map((c) => c.id), ids.slice(0, 2))
  t.equal(page1.total, 5)
  t.equal(page1.totalExact, true)
  const page3 = await searchCustomers(db, admin, { limit: 2, offset: 4 })
  t.same(page3.items.map((c) => c.id), ids.slice(4))
  t.equal(page3.total, 5)
  const none = await searchCustomers(db, admin, { limit: 2, count: 'none' })
  t.equal(none.total, null)
  const exact = await searchCustomers(db, admin, { limit: 2, count: 'exact', q: 'kova' })
  t.equal(exact.total, 2)
  const estimated = await searchCustomers(db, admin, { limit: 2 })
  t.equal(estimated.totalExact, true, 'few matches are counted exactly')
  t.equal(estimated.total, 5)
})

t.test('partner scope', async (t) => {
  const limited = { ...admin, partnerIds: [p.reseller] }
  t.same(await names({}, limited), ['Zoe Kovacs'])
  t.same(await names({ q: 'olena' }, limited), [])
  t.same(await names({ partnerId: p.main }, limited), [], 'asking for another partner finds nothing')
  t.same(await names({}, { ...admin, partnerIds: [] }), [], 'no partners: nothing')
})

t.test('CSV export of the filtered list', async (t) => {
  const stream = await exportCustomersCsv(db, admin, { city: 'Lviv', sort: 'name', order: 'desc' })
  let text = ''
  for await (const chunk of stream) text += chunk
  const rowsOut = parse(text, { columns: true }) as Record<string, string>[]
  t.same(rowsOut.map((r) => r.name), ['Zoe Kovacs', 'Olena Kovalenko'])
  t.match(rowsOut[1], { login: 'olena', email: 'olena@mail.ua', city: 'Lviv', status: 'active', billing_day: '1', phone: '+380 67 123 4567' })
  t.ok(text.startsWith('id,partner_id,login,status'), 'header row first')
  const limited = await exportCustomersCsv(db, { partnerIds: [p.reseller] }, {})
  let t2 = ''
  for await (const chunk of limited) t2 += chunk
  t.equal((parse(t2, { columns: true }) as unknown[]).length, 1, 'export respects the partner scope')
})
