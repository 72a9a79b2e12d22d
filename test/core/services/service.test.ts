import t from 'tap'
import { count, eq, like } from 'drizzle-orm'
import { auditLog } from '../../../core/audit/schema.ts'
import { NotFoundError, StateError } from '../../../core/kernel/errors.ts'
import { outboxEvents } from '../../../core/kernel/events/schema.ts'
import { decryptSecret } from '../../../core/kernel/secrets.ts'
import type { Actor } from '../../../core/partners/scope.ts'
import { services } from '../../../core/services/schema.ts'
import {
  changeServiceStatus,
  createService,
  endService,
  getService,
  getServicePassword,
  listServices,
  updateService,
} from '../../../core/services/service.ts'
import { stopEndedServices } from '../../../core/services/lifecycle.ts'
import { testDatabase } from '../../helpers/db.ts'
import { admin, deps, fieldsOf, INSTANCE_KEY, world } from './fixtures.ts'

const database = await testDatabase()
t.teardown(() => database.close())
const { db } = database
const d = deps()
const w = await world(db, d)

const serviceCount = async () => (await db.select({ n: count() }).from(services))[0]!.n
const eventCount = async (type: string) =>
  (await db.select({ n: count() }).from(outboxEvents).where(eq(outboxEvents.type, type)))[0]!.n

t.test('an internet service: login from the customer, password sealed and recoverable, event and audit', async (t) => {
  const before = await eventCount('service.created')
  const s = await createService(db, d, admin, w.alice.id, {
    planId: w.fiber100.id,
    password: 'S3cret-pppoe',
    mac: 'aa-bb-cc-00-11-22',
    ipPool: 'pool-main',
    quantity: '1',
  })
  t.match(s, { login: 'alice', type: 'internet', description: 'Fiber 100', status: 'active', startDate: '2026-03-10', hasPassword: true })
  t.equal(s.mac, 'AA:BB:CC:00:11:22', 'MAC normalised')
  t.notOk('passwordEncrypted' in s, 'the sealed password never leaves the domain')
  const [row] = await db.select().from(services).where(eq(services.id, s.id))
  t.notOk(row!.passwordEncrypted!.includes('S3cret-pppoe'), 'the column does not hold the password')
  t.equal(decryptSecret(INSTANCE_KEY, row!.passwordEncrypted!), 'S3cret-pppoe', 'sealed with the instance key')
  t.equal(await getServicePassword(db, d, admin, s.id), 'S3cret-pppoe')
  t.equal(await eventCount('service.created'), before + 1)
  const audits = await db.select({ before: auditLog.before, after: auditLog.after }).from(auditLog).where(eq(auditLog.action, 'service.create'))
  t.notMatch(JSON.stringify(audits), /S3cret-pppoe/, 'the audit log never holds the password')

  const second = await createService(db, d, admin, w.alice.id, { planId: w.fiber300.id, startDate: '2026-04-01' })
  t.equal(second.login, 'alice-2', 'the next free login')
  t.equal(second.status, 'active', 'active; billed from its start date')
  const generated = await getServicePassword(db, d, admin, second.id)
  t.match(generated, /^[A-Za-z0-9]{10}$/, 'a password is generated')

  const rental = await createService(db, d, admin, w.alice.id, { planId: w.ipRental.id, quantity: '2', unitPrice: '4.5' })
  t.match(rental, { type: 'recurring', login: null, hasPassword: false, quantity: '2.0000', unitPrice: '4.5000' })
  t.same(
    (await listServices(db, admin, w.alice.id)).map((x) => x.id),
    [s.id, rental.id, second.id],
    'by start date',
  )
})

t.test('bad input: errors name the field and nothing is saved', async (t) => {
  const services0 = await serviceCount()
  const events0 = await eventCount('service.created')
  t.same(
    await fieldsOf(
      createService(db, d, admin, w.alice.id, {
        planId: w.fiber100.id,
        quantity: '-1',
        startDate: '2026-03-10',
        endDate: '2026-03-01',
        discountPercent: '120',
        mac: 'zz:zz',
      }),
    ),
    {
      quantity: 'must be greater than 0',
      discountPercent: 'must be from 0 to 100',
      mac: 'must be a MAC address such as AA:BB:CC:DD:EE:FF',
      endDate: 'must not be before the start date 2026-03-10',
    },
  )
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, startDate: '2026-03-10', endDate: '2026-03-01' })), {
    endDate: 'must not be before the start date 2026-03-10',
  })
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, startDate: '2026-02-30' })), {
    startDate: '2026-02-30 is not a day of the calendar',
  })
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, startDate: '31.03.2026' })), {
    startDate: 'must be a date as YYYY-MM-DD, got "31.03.2026"',
  })
  t.same(
    await fieldsOf(
      createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, discountPercent: '10', discountStart: '2026-05-01', discountEnd: '2026-04-01' }),
    ),
    { discountEnd: 'must not be before the discount start 2026-05-01' },
  )
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, { planId: w.northOnly.id })), {
    planId: `plan ${w.northOnly.id} does not exist or is not available to this customer's partner`,
  })
  t.same(await fieldsOf(createService(db, d, admin, w.bob.id, { planId: w.fiber100.id, login: 'alice' })), {
    login: 'is already taken',
  })
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, { planId: w.ipRental.id, login: 'x', ipv4Address: '10.0.0.1' })), {
    login: 'only internet services have network settings',
    ipv4Address: 'only internet services have network settings',
  })
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, login: 'a b', ipv4Address: '10.0.0.300', ipv6Address: 'nope' })), {
    login: 'may hold letters, digits and symbols, no spaces',
    ipv4Address: 'must be an IPv4 address such as 10.0.0.15',
    ipv6Address: 'must be an IPv6 address or prefix such as 2001:db8::/56',
  })
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, {})), { planId: 'is required' })
  t.equal(await serviceCount(), services0, 'nothing saved')
  t.equal(await eventCount('service.created'), events0, 'no event')

  const s = (await listServices(db, admin, w.alice.id))[0]!
  t.same(await fieldsOf(updateService(db, d, admin, s.id, { quantity: '0', endDate: '2026-01-01' })), {
    quantity: 'must be greater than 0',
    endDate: `must not be before the start date ${s.startDate}`,
  })
  t.same(await fieldsOf(updateService(db, d, admin, s.id, { endDate: '2026-01-01' })), {
    endDate: `must not be before the start date ${s.startDate}`,
  })
  t.same(await fieldsOf(updateService(db, d, admin, s.id, { planId: w.ipRental.id })), {
    planId: 'must be a internet plan like the current one',
  })
  t.equal((await getService(db, admin, s.id)).quantity, s.quantity, 'unchanged')
})

t.test('update: fields, password, static address unique, events in the same transaction', async (t) => {
  const s = await createService(db, d, admin, w.bob.id, { planId: w.northOnly.id })
  t.equal(s.login, 'bob')
  const updated0 = await eventCount('service.updated')
  const u = await updateService(db, d, admin, s.id, { quantity: '3', discountPercent: '10', ipv4Address: '10.1.0.5', password: 'n3w-pass' })
  t.match(u, { quantity: '3.0000', discountPercent: '10.0000', ipv4Address: '10.1.0.5' })
  t.equal(await getServicePassword(db, d, admin, s.id), 'n3w-pass')
  t.equal(await eventCount('service.updated'), updated0 + 1)
  const [event] = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'service.updated')).orderBy(outboxEvents.id).limit(1).offset(updated0)
  t.match(event!.payload, { serviceId: s.id, changed: ['quantity', 'discountPercent', 'passwordEncrypted', 'ipv4Address'] })

  const other = await createService(db, d, admin, w.alice.id, { planId: w.fiber300.id, login: 'alice-static' })
  t.same(await fieldsOf(updateService(db, d, admin, other.id, { ipv4Address: '10.1.0.5' })), {
    ipv4Address: 'is already used by another service',
  })

  // A rolled back transaction leaves neither the change nor its event.
  const before = await eventCount('service.updated')
  await t.rejects(
    db.transaction(async (tx) => {
      await updateService(tx, d, admin, s.id, { quantity: '7' })
      throw new Error('roll back')
    }),
    /roll back/,
  )
  t.equal(await eventCount('service.updated'), before, 'no event on rollback')
  t.equal((await getService(db, admin, s.id)).quantity, '3.0000')
  const created0 = await eventCount('service.created')
  await t.rejects(
    db.transaction(async (tx) => {
      await createService(tx, d, admin, w.bob.id, { planId: w.northOnly.id, login: 'bob-tmp' })
      throw new Error('roll back')
    }),
  )
  t.equal(await eventCount('service.created'), created0)
  t.equal((await db.select().from(services).where(eq(services.login, 'bob-tmp'))).length, 0)
})

t.test('status rules: archived is final, stopped only from active or disabled', async (t) => {
  d.clock.set('2026-03-10T09:00:00Z')
  const s = await createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, login: 'status-test', startDate: '2026-03-01' })
  const disabled = await changeServiceStatus(db, d, admin, s.id, 'disabled')
  t.equal(disabled.status, 'disabled')
  const [ev] = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'service.status_changed')).orderBy(outboxEvents.id)
  t.match(ev!.payload, { serviceId: s.id, from: 'active', to: 'disabled', login: 'status-test' })
  const stopped = await changeServiceStatus(db, d, admin, s.id, 'stopped')
  t.match(stopped, { status: 'stopped', endDate: '2026-03-10' }, 'stopping ends billing today')
  // The login is free for a new live service once the old one is stopped.
  const successor = await createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, login: 'status-test' })
  t.same(await fieldsOf(changeServiceStatus(db, d, admin, s.id, 'active')), { login: 'is already taken' })
  await changeServiceStatus(db, d, admin, successor.id, 'stopped')
  t.match(await changeServiceStatus(db, d, admin, s.id, 'active'), { status: 'active', endDate: null }, 'reactivated')
  await changeServiceStatus(db, d, admin, s.id, 'stopped')
  t.equal((await changeServiceStatus(db, d, admin, s.id, 'archived')).status, 'archived')
  await t.rejects(changeServiceStatus(db, d, admin, s.id, 'active'), StateError)
  await t.rejects(updateService(db, d, admin, s.id, { quantity: '2' }), StateError)

  const pending = await createService(db, d, admin, w.alice.id, { planId: w.ipRental.id, startDate: '2026-05-01', status: 'pending' })
  t.equal(pending.status, 'pending')
  await t.rejects(changeServiceStatus(db, d, admin, pending.id, 'stopped'), {
    message: 'A pending service cannot become stopped (it can become active, disabled, archived)',
  })
  t.same(await fieldsOf(createService(db, d, admin, w.alice.id, { planId: w.ipRental.id, status: 'archived' })), {
    status: 'a new service is pending, active, disabled',
  })
})

t.test('ending a service', async (t) => {
  d.clock.set('2026-03-10T09:00:00Z')
  const s = await createService(db, d, admin, w.alice.id, { planId: w.ipRental.id, startDate: '2026-03-01' })
  const later = await endService(db, d, admin, s.id, '2026-04-30')
  t.match(later, { status: 'active', endDate: '2026-04-30' }, 'runs until its end date')
  t.same(await fieldsOf(endService(db, d, admin, s.id, '2026-02-01')), { endDate: 'must not be before the start date 2026-03-01' })
  const now = await endService(db, d, admin, s.id, '2026-03-09')
  t.match(now, { status: 'stopped', endDate: '2026-03-09' })
  await t.rejects(endService(db, d, admin, s.id, '2026-03-20'), StateError)
})

t.test('partner scoping', async (t) => {
  const northAdmin: Actor = { type: 'admin', id: null, name: 'north', partnerIds: [w.north] }
  const aliceService = (await listServices(db, admin, w.alice.id))[0]!
  await t.rejects(getService(db, northAdmin, aliceService.id), NotFoundError)
  await t.rejects(listServices(db, northAdmin, w.alice.id), NotFoundError)
  await t.rejects(createService(db, d, northAdmin, w.alice.id, { planId: w.fiber100.id }), NotFoundError)
  await t.rejects(updateService(db, d, northAdmin, aliceService.id, { quantity: '2' }), NotFoundError)
  await t.rejects(getServicePassword(db, d, northAdmin, aliceService.id), NotFoundError)
  const own = await listServices(db, northAdmin, w.bob.id)
  t.ok(own.length > 0 && own.every((s) => s.partnerId === w.north))
  t.equal((await db.select().from(auditLog).where(like(auditLog.action, 'service.%'))).length > 0, true)
})

t.test('the daily job stops services whose end date has passed', async (t) => {
  d.clock.set('2026-03-10T09:00:00Z')
  const s = await createService(db, d, admin, w.alice.id, { planId: w.ipRental.id, startDate: '2026-03-01', endDate: '2026-03-31' })
  t.same(await stopEndedServices(db, d.clock), { stopped: [] }, 'still running')
  d.clock.set('2026-03-31T22:00:00Z')
  t.same(await stopEndedServices(db, d.clock), { stopped: [] }, 'the end date is still billed')
  d.clock.set('2026-04-01T06:00:00Z')
  const events0 = await eventCount('service.status_changed')
  t.same(await stopEndedServices(db, d.clock), { stopped: [s.id] })
  t.match(await getService(db, admin, s.id), { status: 'stopped', endDate: '2026-03-31' })
  t.equal(await eventCount('service.status_changed'), events0 + 1)
  t.same(await stopEndedServices(db, d.clock), { stopped: [] }, 'a re-run changes nothing')
})

t.test('an emptied invoice text falls back to the plan name', async (t) => {
  const s = await createService(db, d, admin, w.alice.id, { planId: w.ipRental.id, description: 'IP 1.2.3.4' })
  t.equal(s.description, 'IP 1.2.3.4')
  t.equal((await updateService(db, d, admin, s.id, { description: '' })).description, 'Static IP')
})
