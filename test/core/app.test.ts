import t from 'tap'
import { testApp } from '../helpers/app.ts'

t.test('app boots on a migrated database and answers', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const res = await ctx.app.inject({ method: 'GET', url: '/nope', headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error, 'not_found')
  const headers = (await ctx.app.inject({ method: 'GET', url: '/nope' })).headers
  t.ok(headers['content-security-policy'], 'security headers are set')
  const [row] = await ctx.database.sql`select count(*)::int as n from customers`
  t.equal(row!.n, 0)
})
