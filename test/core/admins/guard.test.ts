import t from 'tap'
import { enabledPlugins } from '../../../config/plugins.ts'
import { areaOf, registeredRoutes } from '../../../core/admins/guard.ts'
import { definePlugin } from '../../../core/kernel/plugins/define.ts'
import { loadPlugins } from '../../../core/kernel/plugins/load.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession } from '../../helpers/auth.ts'

// Several apps and many argon2 hashes per file: generous on a loaded machine.
t.setTimeout(300_000)

const html = { accept: 'text/html' }

t.test('every /admin and /api/v1 route declares a permission or public', async (t) => {
  const ctx = await testApp({ plugins: await loadPlugins(enabledPlugins) })
  t.teardown(ctx.close)
  const routes = registeredRoutes(ctx.app).filter((r) => areaOf(r.url))
  t.ok(routes.length >= 20, `walked ${routes.length} routes`)
  for (const must of [
    '/admin/login',
    '/admin/admins',
    '/admin/roles',
    '/admin/audit',
    '/api/v1/me',
    '/api/v1/audit',
  ]) {
    t.ok(
      routes.some((r) => r.url === must),
      `${must} is among them`,
    )
  }
  const offenders = routes.filter((r) => !r.permission && !r.public).map((r) => `${r.method} ${r.url}`)
  t.same(offenders, [], 'no route lacks a permission')
  const publicOnes = routes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`)
  t.ok(publicOnes.includes('POST /admin/login'), 'login is public')
})

t.test('a route that declares nothing is found by the walk and refused at runtime', async (t) => {
  const careless = definePlugin({
    name: 'careless',
    routes: async (app) => {
      app.get('/admin/careless', async () => ({ secret: 42 }))
    },
  })
  const ctx = await testApp({ plugins: [careless] })
  t.teardown(ctx.close)
  const offenders = registeredRoutes(ctx.app).filter((r) => areaOf(r.url) && !r.permission && !r.public)
  t.same(
    offenders.map((r) => r.url),
    ['/admin/careless', '/admin/careless'],
    'the walk flags it (GET and HEAD)',
  )
  const s = await adminSession(ctx.app)
  const res = await ctx.app.inject({ method: 'GET', url: '/admin/careless', headers: { cookie: s.cookie } })
  t.equal(res.statusCode, 500, 'even a super admin gets 500')
  t.notMatch(res.body, '42')
})

t.test('permissions: 403 page and JSON, super admin passes everything', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app } = ctx
  const viewer = await adminSession(app, { permissions: ['admins.view'] })
  const list = await app.inject({
    method: 'GET',
    url: '/admin/admins',
    headers: { ...html, cookie: viewer.cookie },
  })
  t.equal(list.statusCode, 200)
  t.notMatch(list.body, 'href="/admin/admins/new"', 'no "New admin" button without admins.manage')
  const roles = await app.inject({
    method: 'GET',
    url: '/admin/roles',
    headers: { ...html, cookie: viewer.cookie },
  })
  t.equal(roles.statusCode, 403)
  t.match(roles.body, 'roles.manage', 'the page names the missing permission')
  const json = await app.inject({
    method: 'GET',
    url: '/admin/roles',
    headers: { accept: 'application/json', cookie: viewer.cookie },
  })
  t.equal(json.statusCode, 403)
  t.equal(json.json().error, 'forbidden')
  const post = await app.inject({
    method: 'POST',
    url: '/admin/admins',
    headers: { ...html, cookie: viewer.cookie },
    payload: { _csrf: viewer.csrf, login: 'x', name: 'x', password: 'longenough1', roleId: 1 },
  })
  t.equal(post.statusCode, 403, 'posting without admins.manage is refused')

  const boss = await adminSession(app, { role: 'super_admin' })
  for (const url of ['/admin/roles', '/admin/admins/new', '/admin/audit', '/admin/api-keys']) {
    const res = await app.inject({ method: 'GET', url, headers: { ...html, cookie: boss.cookie } })
    t.equal(res.statusCode, 200, `super admin opens ${url}`)
  }
  const menu = await app.inject({
    method: 'GET',
    url: '/admin/profile',
    headers: { ...html, cookie: viewer.cookie },
  })
  t.match(menu.body, 'href="/admin/admins"', 'the menu shows what the admin may open')
  t.notMatch(menu.body, 'href="/admin/roles"', 'and hides what they may not')
})
