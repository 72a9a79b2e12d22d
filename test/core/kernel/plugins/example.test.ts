import { connect } from 'node:net'
import t from 'tap'
import example, { exampleRuntime } from '../../../fixtures/plugins/example/index.ts'
import { testApp } from '../../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../../helpers/auth.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

const html = { accept: 'text/html' }

t.test('every field of the example plugin works through the real app', async (t) => {
  const ctx = await testApp({ plugins: [example] })
  t.teardown(ctx.close)
  const { app } = ctx
  const host = app.host
  const admin = await adminSession(app)

  t.test('start ran after ready: its listener answers with the settings greeting', async (t) => {
    t.equal(exampleRuntime.starts, 1)
    t.ok(exampleRuntime.port)
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(exampleRuntime.port!, '127.0.0.1', () => socket.write('hi\n'))
      let data = ''
      socket.on('data', (d) => {
        data += d
      })
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
    })
    t.equal(reply, 'Hello from example\n')
  })

  t.test('permissions and menu are merged; the menu follows permissions', async (t) => {
    const all = host.allPermissions()
    for (const p of ['example.view', 'example.manage', 'jobs.view', 'jobs.run', 'settings.manage'])
      t.ok(all.includes(p), p)
    const withView = host.menuFor(new Set(['example.view', 'jobs.view']))
    t.same(
      withView.map((s) => [s.section, s.items.map((i) => i.label)]),
      [
        ['Networking', ['Example']],
        ['Administration', ['Scheduled jobs']],
      ],
      'sections in order, only permitted items',
    )
    t.same(
      host
        .menuFor(new Set(['customers.view']))
        .flatMap((s) => s.items)
        .filter((i) => i.href === '/admin/example'),
      [],
    )
  })

  t.test('panel page and API routes, each behind its permission', async (t) => {
    const page = await app.inject({
      method: 'GET',
      url: '/admin/example',
      headers: { ...html, cookie: admin.cookie },
    })
    t.equal(page.statusCode, 200)
    t.match(page.body, /class="greeting">Hello \(quiet\)/)
    t.match(page.body, /No pings yet/)

    const viewer = await createAdmin(app.ctx.db, { permissions: ['jobs.view'] })
    const viewerKey = await createApiKey(app.ctx.db, viewer.id, ['jobs.view'])
    const denied = await app.inject({
      method: 'GET',
      url: '/api/v1/example/greeting',
      headers: { authorization: `Bearer ${viewerKey}` },
    })
    t.equal(denied.statusCode, 403, 'a key without example.view is refused')

    const key = await createApiKey(app.ctx.db, admin.id, [
      'example.view',
      'example.manage',
      'settings.manage',
    ])
    const auth = { authorization: `Bearer ${key}` }
    const bad = await app.inject({ method: 'POST', url: '/api/v1/example/pings', headers: auth, payload: {} })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().fields[0].field, 'message', 'the TypeBox body schema names the field')

    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/example/pings',
      headers: auth,
      payload: { message: 'hello there' },
    })
    t.equal(ok.statusCode, 202)
    t.same(ok.json(), { queued: 3 }, 'pingLimit default is 3')

    // `on` handler: delivered by the dispatcher after commit, to the plugin's own context.
    const drained = await app.dispatcher.drain()
    t.equal(drained.delivered, 3)
    const after = await app.inject({
      method: 'GET',
      url: '/admin/example',
      headers: { ...html, cookie: admin.cookie },
    })
    t.match(after.body, /class="last-ping">hello there<\/span> \(#3\)/)

    // settings(): changed through the settings API, seen by the plugin's routes at once.
    const put = await app.inject({
      method: 'PUT',
      url: '/api/v1/settings/example',
      headers: auth,
      payload: { greeting: 'Ahoy', mode: 'loud' },
    })
    t.equal(put.statusCode, 200)
    t.same(
      put.json(),
      { greeting: 'Ahoy', pingLimit: 3, mode: 'loud', enabled: true, addonPrice: '2.50' },
      'defaults fill the rest',
    )
    const greeting = await app.inject({ method: 'GET', url: '/api/v1/example/greeting', headers: auth })
    t.same(greeting.json(), { greeting: 'Ahoy', mode: 'loud' })
  })

  t.test('portal routes are mounted under /portal', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/portal/example', headers: html })
    if (res.statusCode === 200) t.match(res.body, /class="greeting">Ahoy/)
    else t.match(String(res.headers.location), /^\/portal/, 'the portal guard sends visitors to its login')
    t.not(res.statusCode, 404)
  })

  t.test('customer tabs, filtered by permission, link to the plugin page', async (t) => {
    const tabs = host.customerTabs(new Set(['example.view']))
    t.same(
      tabs.map((tab) => [tab.plugin, tab.id, tab.label, tab.href(5)]),
      [['example', 'example', 'Example', '/admin/example/customers/5']],
    )
    t.same(host.customerTabs(new Set(['customers.view'])), [])
    const res = await app.inject({
      method: 'GET',
      url: tabs[0]!.href(5),
      headers: { ...html, cookie: admin.cookie },
    })
    t.equal(res.statusCode, 200)
    t.match(res.body, /class="customer-id">5</)
  })

  t.test('invoice item providers', async (t) => {
    const providers = host.invoiceItemProviders()
    t.same(
      providers.map((p) => p.plugin),
      ['example'],
    )
    const items = await providers[0]!.provide(
      { id: 7, partnerId: 1 },
      { start: '2026-01-01', end: '2026-01-31' },
      providers[0]!.ctx,
    )
    t.same(items, [
      {
        description: 'Example add-on',
        quantity: '1',
        unitPrice: '2.50',
        sourceKey: 'example:2026-01-01:customer-7',
        periodStart: '2026-01-01',
        periodEnd: '2026-01-31',
      },
    ])
  })

  t.test('payment gateways', async (t) => {
    const gateways = host.paymentGateways()
    t.same(
      gateways.map((g) => [g.id, g.gateway.title]),
      [['example', 'Example pay']],
    )
    const g = host.paymentGateway('example')!
    t.same(await g.gateway.purchase!({ paymentId: 42, amount: '10.00' }, g.ctx), {
      status: 'succeeded',
      reference: 'EX-42',
      amount: '10.00',
    })
    await t.rejects(g.gateway.purchase!({ paymentId: 43 }, g.ctx), { name: 'ValidationError' })
    t.same(await g.gateway.refund!({ paymentId: 42 }, g.ctx), { status: 'refunded', reference: 'EXR-42' })
    const hook = await g.gateway.webhook!(
      { headers: {}, rawBody: Buffer.from('{"reference":"EX-42"}') },
      g.ctx,
    )
    t.same(hook, { reference: 'EX-42', status: 'succeeded' })
    const [event] = await ctx.database.sql`select payload from outbox_events where type = 'example.paid'`
    t.same(event!.payload, { reference: 'EX-42' }, 'the webhook emitted its event')
  })

  t.test('jobs become scheduler jobs named <plugin>:<job>', async (t) => {
    t.same(
      host
        .jobs()
        .filter((j) => j.plugin === 'example')
        .map((j) => j.name),
      ['example:tick', 'example:broken'],
    )
    t.ok(app.scheduler.has('example:tick'))
  })

  t.test('stop runs when the app closes', async (t) => {
    const stopsBefore = exampleRuntime.stops
    await app.close()
    t.equal(exampleRuntime.stops, stopsBefore + 1)
    t.equal(exampleRuntime.server, null)
  })
})
