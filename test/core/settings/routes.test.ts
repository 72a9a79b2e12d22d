import t from 'tap'
import { coreSettings } from '../../../core/settings/core-settings.ts'
import example from '../../fixtures/plugins/example/index.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession, createApiKey } from '../../helpers/auth.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

const html = { accept: 'text/html' }

// One app for the file: booting is the slow part.
const ctx = await testApp({ plugins: [example] })
const { app } = ctx

t.test('settings page: forms from each schema, validated saves, audited', async (t) => {
  const admin = await adminSession(app)
  const headers = { ...html, cookie: admin.cookie }

  const index = await app.inject({ method: 'GET', url: '/admin/settings', headers })
  t.equal(index.statusCode, 200)
  t.match(
    index.body,
    /href="\/admin\/settings\/core%3Asettings"[^>]*class="active"/,
    'company settings first',
  )
  t.match(index.body, /href="\/admin\/settings\/example"/, 'a tab per plugin with settings')
  t.match(index.body, /name="companyName" value="My ISP"/, 'defaults shown')
  t.match(index.body, /<option value="USD" selected>USD<\/option>/, 'unions of literals become selects')

  const page = await app.inject({ method: 'GET', url: '/admin/settings/example', headers })
  t.match(page.body, /<label for="f-greeting">Greeting/)
  t.match(
    page.body,
    /type="number" id="f-pingLimit" name="pingLimit" value="3"[^>]*min="1" max="10" step="1"/,
  )
  t.match(page.body, /type="checkbox" id="f-enabled" name="enabled" value="true" checked/)

  const bad = await app.inject({
    method: 'POST',
    url: '/admin/settings/example',
    headers,
    payload: {
      _csrf: admin.csrf,
      greeting: '',
      pingLimit: '99',
      mode: 'quiet',
      enabled: 'false',
      addonPrice: 'abc',
    },
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="f-greeting-error">is required</, 'the error is next to its field')
  t.match(bad.body, /id="f-pingLimit-error">must be at most 10</)
  t.match(bad.body, /id="f-addonPrice-error">must be a decimal amount like 2.50</)
  t.match(bad.body, /name="pingLimit" value="99"/, 'what was typed is kept')
  const [none] = await ctx.database.sql`select count(*)::int as n from settings where key = 'plugin:example'`
  t.equal(none!.n, 0, 'nothing was saved')

  const good = await app.inject({
    method: 'POST',
    url: '/admin/settings/example',
    headers,
    payload: {
      _csrf: admin.csrf,
      greeting: 'Hi there',
      pingLimit: '5',
      mode: 'loud',
      enabled: 'false',
      addonPrice: '3.75',
    },
  })
  t.equal(good.statusCode, 303)
  t.equal(good.headers.location, '/admin/settings/example')
  const [saved] = await ctx.database.sql`select value from settings where key = 'plugin:example'`
  t.same(
    saved!.value,
    { greeting: 'Hi there', pingLimit: 5, mode: 'loud', enabled: false, addonPrice: '3.75' },
    'typed values stored',
  )
  const [audit] = await ctx.database
    .sql`select action, entity, entity_id, actor_name, after from audit_log where action = 'settings.update'`
  t.equal(audit!.entity_id, 'plugin:example')
  t.equal(audit!.actor_name, admin.login)
  t.same((audit!.after as { pingLimit: number }).pingLimit, 5)

  const tz = await app.inject({
    method: 'POST',
    url: '/admin/settings/core:settings',
    headers,
    payload: {
      _csrf: admin.csrf,
      companyName: 'Fibre Co',
      timeZone: 'Mars/Olympus',
      currency: 'EUR',
      email: 'billing@fibre.example',
    },
  })
  t.equal(tz.statusCode, 400)
  t.match(tz.body, /id="f-timeZone-error">is not a known time zone/)
  const company = await app.inject({
    method: 'POST',
    url: '/admin/settings/core:settings',
    headers,
    payload: {
      _csrf: admin.csrf,
      companyName: 'Fibre Co',
      timeZone: 'Europe/Warsaw',
      currency: 'PLN',
      email: 'billing@fibre.example',
    },
  })
  t.equal(company.statusCode, 303)
  const settings = await coreSettings(app.ctx.db)
  t.equal(settings.companyName, 'Fibre Co')
  t.equal(settings.timeZone, 'Europe/Warsaw')
  t.equal(settings.currency, 'PLN')
  t.equal(settings.street, '', 'fields not posted take defaults')

  const missing = await app.inject({ method: 'GET', url: '/admin/settings/nope', headers })
  t.equal(missing.statusCode, 404)
})

t.test('settings need settings.manage; the API validates like the form', async (t) => {
  const viewer = await adminSession(app, { permissions: ['jobs.view'] })
  const denied = await app.inject({
    method: 'GET',
    url: '/admin/settings',
    headers: { ...html, cookie: viewer.cookie },
  })
  t.equal(denied.statusCode, 403)

  const manager = await adminSession(app, { permissions: ['settings.manage'] })
  const key = await createApiKey(app.ctx.db, manager.id, ['settings.manage'])
  const auth = { authorization: `Bearer ${key}` }
  const list = await app.inject({ method: 'GET', url: '/api/v1/settings', headers: auth })
  t.same(
    list.json().map((s: { owner: string }) => s.owner),
    ['core:settings', 'core:finance', 'example'],
  )
  const bad = await app.inject({
    method: 'PUT',
    url: '/api/v1/settings/example',
    headers: auth,
    payload: { pingLimit: 0, mode: 'x' },
  })
  t.equal(bad.statusCode, 400)
  t.same(
    bad.json().fields.map((f: { field: string }) => f.field),
    ['pingLimit', 'mode'],
  )
  const current = await app.inject({ method: 'GET', url: '/api/v1/settings/example', headers: auth })
  t.same(
    current.json(),
    { greeting: 'Hi there', pingLimit: 5, mode: 'loud', enabled: false, addonPrice: '3.75' },
    'the form save above stands; the refused PUT changed nothing',
  )
})

// Last, not in a root teardown: the app's listeners keep the process alive, so the root test would never end.
t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
