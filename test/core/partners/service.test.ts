import t from 'tap'
import { eq } from 'drizzle-orm'
import { testDatabase } from '../../helpers/db.ts'
import { ManualClock } from '../../../core/kernel/clock.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../../core/kernel/errors.ts'
import { auditLog } from '../../../core/audit/schema.ts'
import {
  createPartner,
  defaultPartnerId,
  deletePartner,
  getPartner,
  listPartners,
  partnerOptions,
  updatePartner,
} from '../../../core/partners/service.ts'
import type { Actor } from '../../../core/partners/scope.ts'
import { createCustomer } from '../../../core/customers/service.ts'
import { emitEvent } from '../../../core/kernel/events/outbox.ts'

const database = await testDatabase()
t.teardown(database.close)
const { db } = database
const clock = new ManualClock('2026-04-01T08:00:00Z')
const boss: Actor = { type: 'admin', id: null, name: 'boss', partnerIds: null }

t.test('create, rename, list with customer counts, audit', async (t) => {
  t.equal(await defaultPartnerId(db, boss), null, 'no partner yet')
  const main = await createPartner(db, clock, boss, { name: ' Main ISP ' })
  t.equal(main.name, 'Main ISP')
  t.equal(main.active, true)
  const north = await createPartner(db, clock, boss, { name: 'North', active: 'false' })
  t.equal(north.active, false)
  await t.rejects(createPartner(db, clock, boss, { name: 'main isp' }), ValidationError, 'names are unique, any case')
  await t.rejects(createPartner(db, clock, boss, { name: '' }), ValidationError)
  const renamed = await updatePartner(db, clock, boss, north.id, { name: 'North Reseller', active: true })
  t.match(renamed, { name: 'North Reseller', active: true })
  await createCustomer(db, { clock, emit: emitEvent }, boss, { name: 'Someone', partnerId: north.id })
  const list = await listPartners(db, boss)
  t.same(list.map((p) => [p.name, p.customerCount]), [['Main ISP', 0], ['North Reseller', 1]])
  t.equal(await defaultPartnerId(db, boss), main.id, 'the oldest partner is the default')
  const audits = await db.select().from(auditLog).where(eq(auditLog.entity, 'partner'))
  t.same(audits.map((a) => a.action), ['partner.create', 'partner.create', 'partner.update'])
})

t.test('limited admins see only their partners and cannot create or delete', async (t) => {
  const [main, north] = await listPartners(db, boss)
  const limited: Actor = { ...boss, partnerIds: [north!.id] }
  t.same((await listPartners(db, limited)).map((p) => p.id), [north!.id])
  t.same((await partnerOptions(db, limited)).map((p) => p.id), [north!.id])
  await t.rejects(getPartner(db, limited, main!.id), NotFoundError)
  await t.rejects(updatePartner(db, clock, limited, main!.id, { name: 'Mine now' }), NotFoundError)
  await t.rejects(createPartner(db, clock, limited, { name: 'Another' }), ConflictError)
  await t.rejects(deletePartner(db, clock, limited, north!.id), ConflictError)
  t.equal(await defaultPartnerId(db, limited), north!.id)
})

t.test('delete only a partner without customers', async (t) => {
  const [main, north] = await listPartners(db, boss)
  await t.rejects(deletePartner(db, clock, boss, north!.id), ConflictError)
  await deletePartner(db, clock, boss, main!.id)
  await t.rejects(getPartner(db, boss, main!.id), NotFoundError)
})
