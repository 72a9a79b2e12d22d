import t from 'tap'
import { asc, eq } from 'drizzle-orm'
import { ManualClock } from '../../../core/kernel/clock.ts'
import { StateError } from '../../../core/kernel/errors.ts'
import { outboxEvents } from '../../../core/kernel/events/schema.ts'
import type { Actor } from '../../../core/partners/scope.ts'
import { applyDuePlanChanges, cancelPlanChange, massPlanChange, schedulePlanChange } from '../../../core/services/plan-change.ts'
import { servicePlanChanges } from '../../../core/services/schema.ts'
import { changeServiceStatus, createService, getService } from '../../../core/services/service.ts'
import { testDatabase } from '../../helpers/db.ts'
import { admin, deps, fieldsOf, world } from './fixtures.ts'

const database = await testDatabase()
t.teardown(() => database.close())
const { db } = database
const clock = new ManualClock('2026-03-10T09:00:00Z')
const d = deps(clock)
const w = await world(db, d)

const planChangedEvents = async () =>
  (await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'service.plan_changed')).orderBy(asc(outboxEvents.id))).map(
    (e) => e.payload as Record<string, unknown>,
  )

t.test('a scheduled change is applied on its date, once', async (t) => {
  clock.set('2026-03-10T09:00:00Z')
  const s = await createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, unitPrice: '150', login: 'sched' })
  t.same(await fieldsOf(schedulePlanChange(db, d, admin, s.id, { planId: w.fiber300.id, effectiveDate: '2026-03-09' })), {
    effectiveDate: 'must be today (2026-03-10) or later',
  })
  t.same(await fieldsOf(schedulePlanChange(db, d, admin, s.id, { planId: w.fiber100.id, effectiveDate: '2026-04-01' })), {
    planId: 'is the current plan',
  })
  t.same(await fieldsOf(schedulePlanChange(db, d, admin, s.id, { planId: w.ipRental.id, effectiveDate: '2026-04-31' })), {
    effectiveDate: '2026-04-31 is not a day of the calendar',
    planId: 'must be a internet plan like the current one',
  })
  t.same(await fieldsOf(schedulePlanChange(db, d, admin, s.id, { planId: w.northOnly.id, effectiveDate: '2026-04-01' })), {
    planId: `plan ${w.northOnly.id} does not exist or is not available to this customer's partner`,
  })
  const scheduled = await schedulePlanChange(db, d, admin, s.id, { planId: w.fiber300.id, effectiveDate: '2026-04-01' })
  t.match(scheduled, { planId: w.fiber100.id, nextPlanId: w.fiber300.id, planChangeDate: '2026-04-01' })

  clock.set('2026-03-31T23:00:00Z')
  t.same(await applyDuePlanChanges(db, clock), { applied: [] }, 'not yet')
  t.equal((await planChangedEvents()).length, 0)

  clock.set('2026-04-01T06:00:00Z')
  t.same(await applyDuePlanChanges(db, clock), { applied: [s.id] })
  const after = await getService(db, admin, s.id)
  t.match(after, { planId: w.fiber300.id, nextPlanId: null, planChangeDate: null, description: 'Fiber 300', unitPrice: null })
  const [event] = await planChangedEvents()
  t.match(event, {
    serviceId: s.id,
    login: 'sched',
    effectiveDate: '2026-04-01',
    oldPlan: { id: w.fiber100.id, downloadKbps: 102400, uploadKbps: 25600 },
    newPlan: { id: w.fiber300.id, downloadKbps: 307200, uploadKbps: 76800 },
  })
  const history = await db.select().from(servicePlanChanges).where(eq(servicePlanChanges.serviceId, s.id))
  t.match(history, [{ fromPlanId: w.fiber100.id, toPlanId: w.fiber300.id, effectiveDate: '2026-04-01' }])
  t.same(await applyDuePlanChanges(db, clock), { applied: [] }, 'a re-run changes nothing')
  t.equal((await planChangedEvents()).length, 1)
})

t.test('a change effective today applies at once; a cancelled one never', async (t) => {
  clock.set('2026-05-05T09:00:00Z')
  const s = await createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, login: 'today' })
  const changed = await schedulePlanChange(db, d, admin, s.id, { planId: w.fiber300.id, effectiveDate: '2026-05-05' })
  t.match(changed, { planId: w.fiber300.id, nextPlanId: null })

  await schedulePlanChange(db, d, admin, s.id, { planId: w.fiber100.id, effectiveDate: '2026-06-01' })
  t.equal((await cancelPlanChange(db, d, admin, s.id)).nextPlanId, null)
  clock.set('2026-06-02T09:00:00Z')
  await applyDuePlanChanges(db, clock)
  t.equal((await getService(db, admin, s.id)).planId, w.fiber300.id, 'stays')

  await changeServiceStatus(db, d, admin, s.id, 'stopped')
  await t.rejects(schedulePlanChange(db, d, admin, s.id, { planId: w.fiber100.id, effectiveDate: '2026-07-01' }), StateError)
})

t.test('mass plan change', async (t) => {
  clock.set('2026-07-01T09:00:00Z')
  const a = await createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, login: 'mass-a' })
  const b = await createService(db, d, admin, w.bob.id, { planId: w.fiber100.id, login: 'mass-b' })
  const stopped = await createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, login: 'mass-c' })
  await changeServiceStatus(db, d, admin, stopped.id, 'stopped')
  const endsEarly = await createService(db, d, admin, w.alice.id, { planId: w.fiber100.id, login: 'mass-d', endDate: '2026-07-15' })

  t.same(await fieldsOf(massPlanChange(db, d, admin, { fromPlanId: w.fiber100.id, toPlanId: w.ipRental.id, effectiveDate: '2026-08-01' })), {
    toPlanId: 'must be a internet plan like the current one',
  })
  t.same(await fieldsOf(massPlanChange(db, d, admin, { fromPlanId: w.fiber100.id, toPlanId: w.northOnly.id, effectiveDate: '2026-08-01' })), {
    toPlanId: `is not available to the partner of 1 of these customers (service ${a.id} first)`,
  })
  // Only the North reseller's services, for the North admin: then North 50 is fine.
  const northAdmin: Actor = { type: 'admin', id: null, name: 'north', partnerIds: [w.north] }
  const north = await massPlanChange(db, d, northAdmin, { fromPlanId: w.fiber100.id, toPlanId: w.northOnly.id, effectiveDate: '2026-08-01' })
  t.same(north, { services: 1, applied: 0 })
  t.match(await getService(db, admin, b.id), { nextPlanId: w.northOnly.id, planChangeDate: '2026-08-01' })
  t.equal((await getService(db, admin, a.id)).nextPlanId, null, "other partners' services untouched")

  const later = await massPlanChange(db, d, admin, { fromPlanId: w.fiber100.id, toPlanId: w.fiber300.id, effectiveDate: '2026-08-01' })
  t.same(later, { services: 2, applied: 0 }, 'live services that run until the date; the stopped and early-ending ones are left')
  t.equal((await getService(db, admin, stopped.id)).nextPlanId, null)
  t.equal((await getService(db, admin, endsEarly.id)).nextPlanId, null)

  const events0 = (await planChangedEvents()).length
  const now = await massPlanChange(db, d, admin, { fromPlanId: w.fiber100.id, toPlanId: w.fiber300.id, effectiveDate: '2026-07-01' })
  t.same(now, { services: 3, applied: 3 }, 'effective today: applied at once')
  t.equal((await getService(db, admin, a.id)).planId, w.fiber300.id)
  t.equal((await getService(db, admin, endsEarly.id)).planId, w.fiber300.id)
  t.equal((await planChangedEvents()).length, events0 + 3)
})
