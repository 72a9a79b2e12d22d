import t from 'tap'
import { enabledPlugins } from '../../config/plugins.ts'
import { loadPlugins } from '../../core/kernel/plugins/load.ts'
import { testApp } from '../helpers/app.ts'

t.test('app boots on a migrated database and answers', async (t) => {
  const ctx = await testApp({ eagerSchemas: true })
  t.teardown(ctx.close)
  const res = await ctx.app.inject({ method: 'GET', url: '/nope', headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error, 'not_found')
  const headers = (await ctx.app.inject({ method: 'GET', url: '/nope' })).headers
  t.ok(headers['content-security-policy'], 'security headers are set')
  const [row] = await ctx.database.sql`select count(*)::int as n from customers`
  t.equal(row!.n, 0)
})

t.test('every route schema of the core and the enabled plugins compiles at boot', async (t) => {
  // Other tests compile a route's schemas at its first request (test/helpers/app.ts); a server compiles
  // them all at boot, so a broken one must stop it.
  const ctx = await testApp({ eagerSchemas: true, plugins: await loadPlugins(enabledPlugins) })
  t.teardown(ctx.close)
  t.ok(ctx.app.printRoutes().split('\n').length > 250, 'the whole app was built')
})
