import t from 'tap'
import { coreModules } from '../../../core/modules.ts'
import plansModule from '../../../core/plans/module.ts'
import { partners } from '../../../core/partners/schema.ts'
import { getPlan, listPlans } from '../../../core/plans/service.ts'
import { systemActor } from '../../../core/partners/scope.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession } from '../../helpers/auth.ts'

/** Until core/modules.ts lists core:plans, load it the way the host loads any module. */
const withPlans = () => (coreModules.some((m) => m.name === plansModule.name) ? [] : [plansModule])
const ctx = await testApp({ plugins: withPlans() })
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
const [north] = await db.insert(partners).values({ name: 'North' }).returning()
const s = await adminSession(app)

const get = (url: string, session = s) =>
  app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } })
const post = (url: string, form: [string, string][], session = s) =>
  app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: session.cookie,
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams([['_csrf', session.csrf], ...form]).toString(),
  })

t.test('tax rates: create from the form, errors next to the field', async (t) => {
  const bad = await post('/admin/tax-rates', [
    ['name', 'VAT'],
    ['ratePercent', '123'],
  ])
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /must be from 0 to 100/)
  const ok = await post('/admin/tax-rates', [
    ['name', 'VAT'],
    ['ratePercent', '23,5'],
    ['included', 'false'],
    ['active', 'false'],
    ['active', 'true'],
  ])
  t.equal(ok.statusCode, 303, ok.body)
  const list = await get('/admin/tax-rates')
  t.equal(list.statusCode, 200)
  t.match(list.body, /VAT<\/a>/)
  t.match(list.body, />23\.5</)
})

t.test('internet plan: form to list, edit, errors by field', async (t) => {
  const form = await get('/admin/plans/new?type=internet')
  t.equal(form.statusCode, 200)
  t.match(form.body, /name="downloadKbps"/)
  t.match(form.body, /Tariff plans/, 'the menu has the plans section')

  const bad = await post('/admin/plans?type=internet', [
    ['name', 'Home'],
    ['price', 'ten'],
    ['downloadKbps', '10240'],
    ['uploadKbps', ''],
    ['topUps', 'only a name'],
  ])
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /must be a decimal number such as 19.99/)
  t.match(bad.body, /line 1: write &quot;name \| MB \| price&quot;/)
  t.match(bad.body, /value="Home"/, 'typed values come back')

  const created = await post('/admin/plans?type=internet', [
    ['name', 'Home 50'],
    ['price', '199,99'],
    ['downloadKbps', '51200'],
    ['uploadKbps', '10240'],
    ['burstPercent', '0'],
    ['priority', '5'],
    ['capMb', '100000'],
    ['capDirection', 'both'],
    ['capAction', 'fixed_speed'],
    ['capDownloadKbps', '1024'],
    ['capUploadKbps', '512'],
    ['topUps', '+10 GB | 10240 | 5.00'],
    ['fairUsage', 'Night | free | 01:00-07:00 | 1-7'],
    ['active', 'false'],
    ['active', 'true'],
    ['allPartners', 'false'],
    ['partnerIds', String(north!.id)],
  ])
  t.equal(created.statusCode, 303, created.body)
  const [plan] = (await listPlans(db, systemActor, { type: 'internet' })).items
  t.match(plan, {
    name: 'Home 50',
    price: '199.9900',
    priority: 5,
    capAction: 'fixed_speed',
    allPartners: false,
    partnerIds: [north!.id],
  })
  t.same(plan!.topUps, [{ name: '+10 GB', mb: 10240, price: '5' }])
  t.same(plan!.fairUsage[0]!.weekdays, [1, 2, 3, 4, 5, 6, 7])

  const list = await get('/admin/plans?type=internet')
  t.match(list.body, /Home 50/)
  t.match(list.body, /10M\/50M 0\/0 0\/0 0\/0 5/)

  const edit = await get(`/admin/plans/${plan!.id}/edit`)
  t.equal(edit.statusCode, 200)
  t.match(edit.body, /\+10 GB \| 10240 \| 5/)
  const saved = await post(`/admin/plans/${plan!.id}`, [
    ['name', 'Home 50'],
    ['price', '210'],
    ['downloadKbps', '51200'],
    ['uploadKbps', '10240'],
    ['capMb', ''],
    ['capAction', 'block'],
    ['active', 'false'],
    ['allPartners', 'true'],
  ])
  t.equal(saved.statusCode, 303, saved.body)
  const after = await getPlan(db, systemActor, plan!.id)
  t.match(after, {
    price: '210.0000',
    capMb: null,
    capAction: null,
    active: false,
    allPartners: true,
    partnerIds: [],
  })
  t.notMatch((await get('/admin/plans?type=internet')).body, /Home 50/, 'archived plans leave the list')
  t.match((await get('/admin/plans?type=internet&archived=true')).body, /Home 50/)
})

t.test('bundles pick plans with quantities', async (t) => {
  await post('/admin/plans?type=recurring', [
    ['name', 'Static IP'],
    ['price', '3'],
    ['active', 'true'],
    ['allPartners', 'true'],
  ])
  const ip = (await listPlans(db, systemActor, { type: 'recurring' })).items[0]!
  const form = await get('/admin/plans/new?type=bundle')
  t.match(form.body, new RegExp(`name="item_${ip.id}"`))
  const created = await post('/admin/plans?type=bundle', [
    ['name', 'Business'],
    ['price', '99'],
    ['contractMonths', '24'],
    ['activationFee', '10'],
    ['earlyCancellationFee', '100'],
    [`item_${ip.id}`, '2'],
    ['active', 'true'],
    ['allPartners', 'true'],
  ])
  t.equal(created.statusCode, 303, created.body)
  const bundle = (await listPlans(db, systemActor, { type: 'bundle' })).items[0]!
  t.same(bundle.items, [{ planId: ip.id, quantity: 2 }])
  const empty = await post('/admin/plans?type=bundle', [
    ['name', 'Empty'],
    ['price', '1'],
    ['active', 'true'],
    ['allPartners', 'true'],
  ])
  t.equal(empty.statusCode, 400)
  t.match(empty.body, /a bundle needs at least one plan/)
})

t.test('viewers see plans but cannot change them', async (t) => {
  const viewer = await adminSession(app, { permissions: ['plans.view'] })
  const list = await get('/admin/plans?type=recurring', viewer)
  t.equal(list.statusCode, 200)
  t.notMatch(list.body, /\/edit"/)
  t.equal((await get('/admin/plans/new', viewer)).statusCode, 403)
  t.equal(
    (
      await post(
        '/admin/plans?type=recurring',
        [
          ['name', 'X'],
          ['price', '1'],
        ],
        viewer,
      )
    ).statusCode,
    403,
  )
  t.equal(
    (
      await post(
        '/admin/tax-rates',
        [
          ['name', 'X'],
          ['ratePercent', '1'],
        ],
        viewer,
      )
    ).statusCode,
    403,
  )
})
