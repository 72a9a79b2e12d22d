import t from 'tap'
import { eq } from 'drizzle-orm'
import { testDatabase } from '../../helpers/db.ts'
import {
  changeCustomerStatus,
  createCustomer,
  deleteCustomer,
  getCustomer,
  updateCustomer,
  verifyPortalPassword,
} from '../../../core/customers/service.ts'
import { addContact, deleteContact, listContacts, updateContact } from '../../../core/customers/contacts.ts'
import { saveCustomFieldDefs } from '../../../core/customers/custom-fields.ts'
import { customers } from '../../../core/customers/schema.ts'
import { auditLog } from '../../../core/audit/schema.ts'
import { outboxEvents } from '../../../core/kernel/events/schema.ts'
import { NotFoundError, ValidationError } from '../../../core/kernel/errors.ts'
import { admin, deps, twoPartners } from './fixtures.ts'

const database = await testDatabase()
t.teardown(database.close)
const { db } = database
const d = deps()
const p = await twoPartners(db)

async function fieldsOf(promise: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await promise
  } catch (err) {
    if (err instanceof ValidationError) return Object.fromEntries(err.fields.map((f) => [f.field, f.message]))
    throw err
  }
  throw new Error('expected a ValidationError')
}

t.test('create: defaults, generated login, audit and event', async (t) => {
  const c = await createCustomer(db, d, admin, { name: '  Olena Kovalenko ', email: 'Olena@Example.com', city: 'Lviv' })
  t.equal(c.name, 'Olena Kovalenko')
  t.equal(c.email, 'olena@example.com')
  t.equal(c.status, 'new')
  t.equal(c.language, 'en')
  t.equal(c.billingDay, 1)
  t.equal(c.partnerId, p.main, 'goes to the oldest partner when none is named')
  t.equal(c.login, String(c.id), 'a blank login becomes the id')
  t.equal(c.dateAdded, '2026-03-10', "date added is today's date from the clock")
  t.equal(c.hasPortalPassword, false)
  t.notOk('portalPasswordHash' in c, 'the hash is never returned')
  const audits = await db.select().from(auditLog).where(eq(auditLog.entityId, String(c.id)))
  t.same(audits.map((a) => a.action), ['customer.create'])
  t.equal(audits[0]!.actorName, 'tester')
  const events = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'customer.created'))
  t.ok(events.some((e) => (e.payload as { customerId: number }).customerId === c.id))
})

t.test('create: every bad field is named', async (t) => {
  const fields = await fieldsOf(
    createCustomer(db, d, admin, {
      name: '',
      email: 'not-an-email',
      billingDay: 29,
      language: 'de',
      phone: 'call me',
      login: 'bad login!',
      status: 'sleeping',
      partnerId: 999,
      dateAdded: '2026-02-30',
      portalPassword: 'short',
    }),
  )
  t.match(fields, {
    name: 'is required',
    email: /e-mail/,
    billingDay: /1 to 28/,
    language: /en, es, uk or pl/,
    phone: /phone/,
    login: /letters/,
    status: /new, active/,
    dateAdded: /YYYY-MM-DD/,
    portalPassword: /at least 8/,
  })
  const fields2 = await fieldsOf(createCustomer(db, d, admin, { name: 'X', partnerId: 999 }))
  t.match(fields2, { partnerId: /does not exist/ })
  t.equal((await db.select().from(customers).where(eq(customers.name, 'X'))).length, 0, 'nothing saved')
})

t.test('login is unique and billing day 28 is accepted', async (t) => {
  const a = await createCustomer(db, d, admin, { name: 'Ana García', login: 'ana.garcia', billingDay: '28', language: 'es' })
  t.equal(a.billingDay, 28)
  t.equal(a.language, 'es')
  const fields = await fieldsOf(createCustomer(db, d, admin, { name: 'Another Ana', login: 'ana.garcia' }))
  t.equal(fields.login, 'is already taken')
  // A hand-chosen login equal to the next id does not collide with a generated one.
  const [{ next }] = (await database.sql`select last_value + 1 as next from customers_id_seq`) as unknown as [{ next: string }]
  await createCustomer(db, d, admin, { name: 'Squatter', login: String(Number(next) + 1) })
  const gen = await createCustomer(db, d, admin, { name: 'Generated' })
  t.not(gen.login, String(Number(next) + 1))
  t.match(gen.login, /^\d+(-\d+)?$/)
})

t.test('update: partial, audited, emits updated and status_changed', async (t) => {
  const c = await createCustomer(db, d, admin, { name: 'Jan Kowalski', city: 'Kraków', language: 'pl' })
  const u = await updateCustomer(db, d, admin, c.id, { city: 'Gdańsk', status: 'active', street: '' })
  t.equal(u.city, 'Gdańsk')
  t.equal(u.name, 'Jan Kowalski', 'untouched fields stay')
  t.equal(u.status, 'active')
  t.equal(u.street, null)
  const events = (await db.select().from(outboxEvents)).filter((e) => (e.payload as { customerId?: number }).customerId === c.id)
  t.same(
    events.map((e) => e.type),
    ['customer.created', 'customer.updated', 'customer.status_changed'],
  )
  t.match(events[2]!.payload, { from: 'new', to: 'active' })
  t.match(events[1]!.payload, { changed: ['status', 'city'] })
  const fields = await fieldsOf(updateCustomer(db, d, admin, c.id, { name: '', billingDay: 0 }))
  t.same(Object.keys(fields).sort(), ['billingDay', 'name'])
  t.equal((await getCustomer(db, admin, c.id)).name, 'Jan Kowalski', 'a refused update changes nothing')
  const audits = await db.select().from(auditLog).where(eq(auditLog.entityId, String(c.id)))
  t.same(audits.map((a) => a.action), ['customer.create', 'customer.update'])
  t.match(audits[1]!.before, { city: 'Kraków' })
  t.match(audits[1]!.after, { city: 'Gdańsk' })
})

t.test('status changes', async (t) => {
  const c = await createCustomer(db, d, admin, { name: 'Status Person' })
  const blocked = await changeCustomerStatus(db, d, admin, c.id, 'blocked')
  t.equal(blocked.status, 'blocked')
  const again = await changeCustomerStatus(db, d, admin, c.id, 'blocked')
  t.equal(again.status, 'blocked')
  const changes = (await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'customer.status_changed'))).filter(
    (e) => (e.payload as { customerId: number }).customerId === c.id,
  )
  t.equal(changes.length, 1, 'no event when the status does not change')
  await t.rejects(changeCustomerStatus(db, d, admin, c.id, 'gone' as never), ValidationError)
})

t.test('delete: a new customer without documents goes; others become inactive', async (t) => {
  const fresh = await createCustomer(db, d, admin, { name: 'Short Lived' })
  await addContact(db, d, admin, fresh.id, { name: 'Spouse' })
  t.same(await deleteCustomer(db, d, admin, fresh.id), { deleted: true })
  await t.rejects(getCustomer(db, admin, fresh.id), NotFoundError)

  const active = await createCustomer(db, d, admin, { name: 'Long Standing', status: 'active' })
  const out = await deleteCustomer(db, d, admin, active.id)
  t.equal(out.deleted, false)
  t.equal(out.deleted === false && out.customer.status, 'inactive')

  // A document pointing at a new customer keeps the row: a table of another domain referencing customers.
  const withDoc = await createCustomer(db, d, admin, { name: 'Has Document' })
  await database.sql`create table if not exists test_documents (id serial primary key, customer_id int not null references customers(id))`
  await database.sql`insert into test_documents (customer_id) values (${withDoc.id})`
  const kept = await deleteCustomer(db, d, admin, withDoc.id)
  t.equal(kept.deleted, false)
  t.equal((await getCustomer(db, admin, withDoc.id)).status, 'inactive')
})

t.test('contacts', async (t) => {
  const c = await createCustomer(db, d, admin, { name: 'Acme Sp. z o.o.', category: 'company' })
  const k = await addContact(db, d, admin, c.id, { name: 'Piotr Nowak', role: 'Accounting', email: 'PIOTR@acme.pl', phone: '+48 600 100 200' })
  t.equal(k.email, 'piotr@acme.pl')
  const fields = await fieldsOf(addContact(db, d, admin, c.id, { name: '', email: 'x' }))
  t.same(Object.keys(fields).sort(), ['email', 'name'])
  const u = await updateContact(db, d, admin, c.id, k.id, { role: 'CEO' })
  t.equal(u.role, 'CEO')
  t.equal(u.name, 'Piotr Nowak')
  t.equal((await listContacts(db, admin, c.id)).length, 1)
  await deleteContact(db, d, admin, c.id, k.id)
  t.equal((await listContacts(db, admin, c.id)).length, 0)
  await t.rejects(deleteContact(db, d, admin, c.id, k.id), NotFoundError)
})

t.test('custom fields', async (t) => {
  await saveCustomFieldDefs(db, d.clock, admin, [
    { name: 'contract_no', label: 'Contract number', type: 'text', required: true },
    { name: 'floor', label: 'Floor', type: 'number', required: false },
    { name: 'signed_on', label: 'Signed on', type: 'date', required: false },
    { name: 'source', label: 'Source', type: 'select', required: false, options: ['web', 'shop'] },
  ])
  const fields = await fieldsOf(createCustomer(db, d, admin, { name: 'Needs contract', customFields: { floor: 'two', signed_on: '2026-13-01', source: 'tv', nope: 'x' } }))
  t.match(fields, {
    'customFields.contract_no': 'is required',
    'customFields.floor': /number/,
    'customFields.signed_on': /date/,
    'customFields.source': /web, shop/,
    'customFields.nope': /not a defined/,
  })
  const c = await createCustomer(db, d, admin, { name: 'Has contract', customFields: { contract_no: 'C-1', floor: '3', source: 'web' } })
  t.same(c.customFields, { contract_no: 'C-1', floor: '3', source: 'web' })
  const u = await updateCustomer(db, d, admin, c.id, { customFields: { floor: '' } })
  t.same(u.customFields, { contract_no: 'C-1', source: 'web' }, 'other values are kept, a blank one is removed')
  const f2 = await fieldsOf(updateCustomer(db, d, admin, c.id, { customFields: { contract_no: '' } }))
  t.equal(f2['customFields.contract_no'], 'is required')
  await t.rejects(saveCustomFieldDefs(db, d.clock, admin, [{ name: 'Bad Name', type: 'colour' }]), ValidationError)
  await saveCustomFieldDefs(db, d.clock, admin, [])
})

t.test('portal password is argon2id and checkable', async (t) => {
  const c = await createCustomer(db, d, admin, { name: 'Portal User', login: 'portal.user', portalPassword: 'correct horse' })
  t.equal(c.hasPortalPassword, true)
  const [row] = await db.select().from(customers).where(eq(customers.id, c.id))
  t.match(row!.portalPasswordHash, /^\$argon2id\$/)
  t.ok(await verifyPortalPassword(db, 'portal.user', 'correct horse'))
  t.equal(await verifyPortalPassword(db, 'portal.user', 'wrong'), null)
  const [audit] = await db.select().from(auditLog).where(eq(auditLog.entityId, String(c.id)))
  t.notMatch(JSON.stringify(audit!.after), /argon2/, 'no hash in the audit log')
  await updateCustomer(db, d, admin, c.id, { portalPassword: '' })
  t.ok(await verifyPortalPassword(db, 'portal.user', 'correct horse'), 'a blank password leaves it as it is')
  const off = await updateCustomer(db, d, admin, c.id, { portalPassword: null })
  t.equal(off.hasPortalPassword, false)
})

t.test('partner limitation: other partners do not exist', async (t) => {
  const limited = { ...admin, partnerIds: [p.reseller] }
  const mine = await createCustomer(db, d, limited, { name: 'Reseller Customer' })
  t.equal(mine.partnerId, p.reseller, "a limited admin's customers go to their partner")
  const theirs = await createCustomer(db, d, admin, { name: 'Main Customer', partnerId: p.main })
  await t.rejects(getCustomer(db, limited, theirs.id), NotFoundError)
  await t.rejects(updateCustomer(db, d, limited, theirs.id, { name: 'Hijack' }), NotFoundError)
  await t.rejects(changeCustomerStatus(db, d, limited, theirs.id, 'blocked'), NotFoundError)
  await t.rejects(deleteCustomer(db, d, limited, theirs.id), NotFoundError)
  await t.rejects(listContacts(db, limited, theirs.id), NotFoundError)
  const f = await fieldsOf(createCustomer(db, d, limited, { name: 'Sneaky', partnerId: p.main }))
  t.match(f, { partnerId: /does not exist/ })
  const f2 = await fieldsOf(updateCustomer(db, d, limited, mine.id, { partnerId: p.main }))
  t.match(f2, { partnerId: /does not exist/ })
  t.equal((await getCustomer(db, admin, theirs.id)).name, 'Main Customer')
})
