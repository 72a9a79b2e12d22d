import t from 'tap'
import { eq } from 'drizzle-orm'
import { ManualClock } from '../../../core/kernel/clock.ts'
import { NotFoundError, ValidationError } from '../../../core/kernel/errors.ts'
import { emitEvent } from '../../../core/kernel/events/outbox.ts'
import { outboxEvents } from '../../../core/kernel/events/schema.ts'
import { partners } from '../../../core/partners/schema.ts'
import type { Actor } from '../../../core/partners/scope.ts'
import { createPlan, getPlan, listPlans, updatePlan } from '../../../core/plans/service.ts'
import { createTaxRate, deleteTaxRate, listTaxRates, updateTaxRate } from '../../../core/plans/tax-rates.ts'
import { testDatabase } from '../../helpers/db.ts'

const database = await testDatabase()
t.teardown(() => database.close())
const { db } = database
const clock = new ManualClock('2026-03-01T09:00:00Z')
const deps = { clock, emit: emitEvent }
const admin: Actor = { type: 'admin', id: null, name: 'boss', partnerIds: null }
const [main] = await db.insert(partners).values({ name: 'Main' }).returning()
const [north] = await db.insert(partners).values({ name: 'North' }).returning()
const reseller: Actor = { type: 'admin', id: null, name: 'north-admin', partnerIds: [north!.id] }

async function fieldsOf(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p
  } catch (err) {
    if (err instanceof ValidationError) return Object.fromEntries(err.fields.map((f) => [f.field, f.message]))
    throw err
  }
  return {}
}

t.test('tax rates', async (t) => {
  const vat = await createTaxRate(db, clock, admin, { name: 'VAT 23%', ratePercent: '23' })
  t.match(vat, { name: 'VAT 23%', ratePercent: '23.0000', included: false, active: true })
  t.same(await fieldsOf(createTaxRate(db, clock, admin, { name: 'vat 23%', ratePercent: '5' })), {
    name: 'is already used by another tax rate',
  })
  t.same(await fieldsOf(createTaxRate(db, clock, admin, { name: '', ratePercent: '101' })), {
    name: 'is required',
    ratePercent: 'must be from 0 to 100',
  })
  t.same(await fieldsOf(createTaxRate(db, clock, admin, { name: 'x', ratePercent: '7.12345' })), {
    ratePercent: 'must have at most 4 decimals',
  })
  const changed = await updateTaxRate(db, clock, admin, vat.id, { included: true })
  t.equal(changed.included, true)
  const spare = await createTaxRate(db, clock, admin, { name: 'Exempt', ratePercent: '0', active: false })
  t.same(
    (await listTaxRates(db)).map((r) => r.name),
    ['VAT 23%', 'Exempt'],
    'active first',
  )
  t.same(
    (await listTaxRates(db, { active: false })).map((r) => r.name),
    ['Exempt'],
  )
  await deleteTaxRate(db, clock, admin, spare.id)
  t.equal((await listTaxRates(db)).length, 1)
})

t.test('internet plans: speeds, burst, cap, fair usage', async (t) => {
  const [vat] = await listTaxRates(db)
  const plan = await createPlan(db, deps, admin, {
    type: 'internet',
    name: 'Home 50',
    price: '200',
    taxRateId: vat!.id,
    downloadKbps: 51200,
    uploadKbps: 10240,
    burstPercent: 20,
    burstThresholdPercent: 75,
    burstTimeS: 16,
    capMb: 100_000,
    capAction: 'fixed_speed',
    capDownloadKbps: 1024,
    capUploadKbps: 512,
    topUps: [{ name: '+10 GB', mb: 10240, price: '5.00' }],
    fairUsage: [{ name: 'Night', kind: 'free', from: '01:00', to: '07:00' }],
  })
  t.match(plan, {
    type: 'internet',
    price: '200.0000',
    priority: 8,
    capDirection: 'both',
    capReducePercent: null,
    allPartners: true,
    partnerIds: [],
    voiceMarkupPercent: null,
    activationFee: null,
  })
  t.same(plan.fairUsage, [
    { name: 'Night', kind: 'free', from: '01:00', to: '07:00', weekdays: [1, 2, 3, 4, 5, 6, 7] },
  ])
  const [created] = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'plan.created'))
  t.match(created!.payload, { planId: plan.id, type: 'internet' })

  t.same(
    await fieldsOf(
      createPlan(db, deps, admin, {
        type: 'internet',
        name: 'Broken',
        price: '-1',
        downloadKbps: 0,
        burstPercent: 10,
        priority: 9,
        capAction: 'block',
        voiceIncludedMinutes: 100,
        topUps: [{ name: 'x', mb: 0, price: 'abc' }],
        fairUsage: [{ name: 'Evening', kind: 'speed', from: '25:00', to: '23:00', weekdays: [8] }],
      }),
    ),
    {
      price: 'must be from 0 to 99999999999999',
      downloadKbps: 'must be from 1 to 100000000',
      uploadKbps: 'is required',
      priority: 'must be from 1 to 8',
      burstThresholdPercent: 'is required',
      burstTimeS: 'is required',
      capAction: 'needs a data cap (capMb)',
      voiceIncludedMinutes: 'only voice plans have this',
      'topUps.0.mb': 'must be from 1 to 1000000000',
      'topUps.0.price': 'must be a decimal number such as 19.99',
      'fairUsage.0.downloadKbps': 'is required',
      'fairUsage.0.uploadKbps': 'is required',
      'fairUsage.0.from': 'must be a time as HH:MM',
      'fairUsage.0.weekdays': 'must list ISO weekdays 1 (Monday) to 7 (Sunday)',
    },
  )
  t.same(
    await fieldsOf(
      createPlan(db, deps, admin, {
        type: 'internet',
        name: 'home 50',
        price: '1',
        downloadKbps: 1,
        uploadKbps: 1,
      }),
    ),
    {
      name: 'is already used by another internet plan',
    },
  )
  t.same(
    await fieldsOf(createPlan(db, deps, admin, { type: 'gold', name: 'x', price: '1', taxRateId: 999 })),
    {
      type: 'must be one of internet, voice, recurring, one_time, bundle',
      taxRateId: 'tax rate 999 does not exist',
    },
  )

  // Patches are checked merged with what is stored.
  const reduced = await updatePlan(db, deps, admin, plan.id, {
    capAction: 'reduce',
    capReducePercent: 50,
    capDownloadKbps: null,
    capUploadKbps: null,
  })
  t.match(reduced, { capAction: 'reduce', capReducePercent: 50, capDownloadKbps: null })
  const uncapped = await updatePlan(db, deps, admin, plan.id, { capMb: null })
  t.match(
    uncapped,
    { capMb: null, capAction: null, capReducePercent: null, topUps: [] },
    'dropping the cap drops what hangs on it',
  )
  t.same(await fieldsOf(updatePlan(db, deps, admin, plan.id, { type: 'voice' })), {
    type: 'cannot change; create a new plan instead',
  })
  const [updated] = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'plan.updated')).limit(1)
  t.match(updated!.payload, {
    planId: plan.id,
    changed: ['capAction', 'capDownloadKbps', 'capUploadKbps', 'capReducePercent'],
  })
  t.equal((await updatePlan(db, deps, admin, plan.id, { price: '200.00' })).price, '200.0000', 'no-op patch')
  t.equal(
    await deleteTaxRate(db, clock, admin, vat!.id).catch((e: Error) => e.message),
    'The tax rate is in use; deactivate it instead',
  )
})

t.test('voice, recurring, one-time and bundles', async (t) => {
  const voice = await createPlan(db, deps, admin, {
    type: 'voice',
    name: 'Voice 100',
    price: '5',
    voiceMarkupPercent: '15.5',
    voiceIncludedMinutes: 100,
  })
  t.match(voice, { voiceMarkupPercent: '15.5000', voiceIncludedMinutes: 100, downloadKbps: null })
  const ip = await createPlan(db, deps, admin, { type: 'recurring', name: 'Static IP', price: '3.9999' })
  const install = await createPlan(db, deps, admin, { type: 'one_time', name: 'Installation', price: '50' })
  const internet = (await listPlans(db, admin, { type: 'internet' })).items[0]!
  const bundle = await createPlan(db, deps, admin, {
    type: 'bundle',
    name: 'Triple',
    price: '230',
    activationFee: '20',
    contractMonths: 24,
    earlyCancellationFee: '150',
    items: [{ planId: internet.id }, { planId: voice.id }, { planId: ip.id, quantity: 2 }],
  })
  t.same(bundle.items, [
    { planId: internet.id, quantity: 1 },
    { planId: voice.id, quantity: 1 },
    { planId: ip.id, quantity: 2 },
  ])
  t.match(bundle, { activationFee: '20.0000', contractMonths: 24 })
  t.same(
    await fieldsOf(
      createPlan(db, deps, admin, {
        type: 'bundle',
        name: 'Bad',
        price: '1',
        items: [{ planId: install.id }, { planId: bundle.id }, { planId: 9999 }],
      }),
    ),
    {
      'items.0.planId': 'a bundle cannot hold a one-time plan',
      'items.1.planId': 'a bundle cannot hold a bundle plan',
      'items.2.planId': 'plan 9999 does not exist',
    },
  )
  t.same(await fieldsOf(createPlan(db, deps, admin, { type: 'bundle', name: 'Empty', price: '1' })), {
    items: 'a bundle needs at least one plan',
  })
  t.same(
    await fieldsOf(
      createPlan(db, deps, admin, { type: 'recurring', name: 'X', price: '1', contractMonths: 12 }),
    ),
    {
      contractMonths: 'only bundle plans have this',
    },
  )
  const trimmed = await updatePlan(db, deps, admin, bundle.id, { items: [{ planId: internet.id }] })
  t.same(trimmed.items, [{ planId: internet.id, quantity: 1 }])
})

t.test('per-partner availability and partner-limited admins', async (t) => {
  const northOnly = await createPlan(db, deps, admin, {
    type: 'recurring',
    name: 'North TV',
    price: '9',
    allPartners: false,
    partnerIds: [north!.id],
  })
  t.same(northOnly.partnerIds, [north!.id])
  t.same(
    await fieldsOf(
      createPlan(db, deps, admin, { type: 'recurring', name: 'Nobody', price: '9', allPartners: false }),
    ),
    {
      partnerIds: 'must name at least one partner when the plan is not for all partners',
    },
  )
  t.same(
    await fieldsOf(
      createPlan(db, deps, admin, {
        type: 'recurring',
        name: 'Ghost',
        price: '9',
        allPartners: false,
        partnerIds: [999],
      }),
    ),
    {
      partnerIds: 'partner 999 does not exist',
    },
  )
  const forMain = await listPlans(db, admin, { partnerId: main!.id, type: 'recurring' })
  t.notOk(
    forMain.items.some((p) => p.id === northOnly.id),
    'not offered to other partners',
  )
  const forNorth = await listPlans(db, admin, { partnerId: north!.id, type: 'recurring' })
  t.ok(forNorth.items.some((p) => p.id === northOnly.id))

  const mainOnly = await createPlan(db, deps, admin, {
    type: 'recurring',
    name: 'Main TV',
    price: '9',
    allPartners: false,
    partnerIds: [main!.id],
  })
  await t.rejects(
    getPlan(db, reseller, mainOnly.id),
    NotFoundError,
    "a reseller does not see other partners' plans",
  )
  t.ok((await getPlan(db, reseller, northOnly.id)).id)
  t.same(await fieldsOf(createPlan(db, deps, reseller, { type: 'recurring', name: 'Mine', price: '1' })), {
    allPartners: 'you may only make plans for your own partners',
  })
  const mine = await createPlan(db, deps, reseller, {
    type: 'recurring',
    name: 'Mine',
    price: '1',
    allPartners: false,
    partnerIds: [north!.id],
  })
  t.same(mine.partnerIds, [north!.id])
  const opened = await updatePlan(db, deps, admin, mine.id, { allPartners: true })
  t.same(opened.partnerIds, [], 'for all partners again')
  const page = await listPlans(db, admin, { q: 'tv', limit: 1 })
  t.equal(page.total, 2)
  t.equal(page.items.length, 1)
})
