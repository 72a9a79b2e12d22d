import t from 'tap'
import { eq } from 'drizzle-orm'
import { buildApp } from '../../../core/app.ts'
import { connect } from '../../../db/client.ts'
import { adminPartners, apiKeys, partners, roles } from '../../../db/schema.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../helpers/auth.ts'

// Several apps and many argon2 hashes per file: generous on a loaded machine.
t.setTimeout(300_000)

t.test('API keys: bearer auth, permission intersection, revoke, last use', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database, clock } = ctx
  const db = database.db
  const api = (url: string, key?: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', payload?: object) =>
    app.inject({
      method,
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(payload ? { payload } : {}),
    })

  const none = await api('/api/v1/me')
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer')
  t.equal((await api('/api/v1/me', 'upk_not-a-real-key')).statusCode, 401)

  const owner = await createAdmin(db, { permissions: ['admins.view', 'audit.view'] })
  t.rejects(
    createApiKey(db, owner.id, ['roles.manage']),
    /a key can only have permissions its owner has/,
    'a key cannot exceed its owner',
  )
  const narrow = await createApiKey(db, owner.id, ['admins.view'])
  const follows = await createApiKey(db, owner.id, ['*'])

  const me = await api('/api/v1/me', narrow)
  t.equal(me.statusCode, 200)
  t.equal(me.json().login, owner.login)
  t.equal(me.json().via, 'apikey')
  t.same(me.json().permissions, ['admins.view'])
  t.equal((await api('/api/v1/admins', narrow)).statusCode, 200)
  const denied = await api('/api/v1/audit', narrow)
  t.equal(denied.statusCode, 403, 'the key lacks audit.view although its owner has it')
  t.match(denied.json().message, 'audit.view')
  t.equal((await api('/api/v1/audit', follows)).statusCode, 200, "a '*' key follows its owner")
  t.equal((await api('/api/v1/permissions', follows)).statusCode, 403, "…but never beyond the owner's role")

  // The owner loses a permission: the key loses it at once.
  await db
    .update(roles)
    .set({ permissions: ['audit.view'] })
    .where(eq(roles.id, owner.roleId))
  t.equal((await api('/api/v1/admins', narrow)).statusCode, 403, 'intersection is computed per request')

  const [used] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.prefix, narrow.slice(0, 12)))
  t.same(used!.lastUsedAt, clock.now(), 'last use is recorded')
  t.not(used!.keyHash, narrow, 'only a hash is stored')

  // Keys through the API and the panel.
  const boss = await createAdmin(db, { role: 'super_admin' })
  const bossKey = await createApiKey(db, boss.id, ['apikeys.manage', 'admins.manage', 'admins.view'])
  const created = await api('/api/v1/api-keys', bossKey, 'POST', {
    name: 'billing sync',
    permissions: ['admins.view'],
  })
  t.equal(created.statusCode, 201)
  const newKey = created.json().key as string
  t.match(newKey, /^upk_/)
  t.equal((await api('/api/v1/admins', newKey)).statusCode, 200)
  const revoked = await api(`/api/v1/api-keys/${created.json().apiKey.id}`, bossKey, 'DELETE')
  t.equal(revoked.statusCode, 200)
  t.ok(revoked.json().revokedAt)
  t.equal((await api('/api/v1/admins', newKey)).statusCode, 401, 'a revoked key stops working')

  // Deactivating the owner ends its keys.
  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admins/${owner.id}`,
    headers: { authorization: `Bearer ${bossKey}` },
    payload: { active: false },
  })
  t.equal(patch.statusCode, 200)
  t.equal((await api('/api/v1/me', follows)).statusCode, 401)

  const panel = await adminSession(app, { role: 'super_admin' })
  const page = await app.inject({
    method: 'POST',
    url: '/admin/api-keys',
    headers: { accept: 'text/html', cookie: panel.cookie },
    payload: { _csrf: panel.csrf, name: 'router script', permissions: ['admins.view'] },
  })
  t.equal(page.statusCode, 200)
  const shown = /id="new-api-key">(upk_[^<]+)</.exec(page.body)?.[1]
  t.ok(shown, 'the new key is shown once')
  t.equal((await api('/api/v1/me', shown)).json().login, panel.login)
  const list = await app.inject({
    method: 'GET',
    url: '/admin/api-keys',
    headers: { accept: 'text/html', cookie: panel.cookie },
  })
  t.notMatch(list.body, shown!, 'and never again')
  const empty = await app.inject({
    method: 'POST',
    url: '/admin/api-keys',
    headers: { accept: 'text/html', cookie: panel.cookie },
    payload: { _csrf: panel.csrf, name: '', permissions: [] },
  })
  t.equal(empty.statusCode, 400)
  t.match(empty.body, 'choose at least one permission')
})

t.test('two servers on one database: a change through one applies to the next request on the other', async (t) => {
  const ctx = await testApp()
  const db = ctx.database.db
  // A second server process: its own app and connection pool on the same database.
  const pool = connect(ctx.database.url, { max: 2 })
  const other = await buildApp({ config: ctx.config, database: pool, clock: ctx.clock, plugins: [] })
  await other.ready()
  t.teardown(async () => {
    await other.close()
    await pool.close()
    await ctx.close()
  })
  const owner = await createAdmin(db, { permissions: ['admins.view', 'audit.view'] })
  const key = await createApiKey(db, owner.id, ['*'])
  const me = () => other.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${key}` } })

  const before = (await me()).json()
  t.same(before.partnerIds, null, 'all partners at first')
  t.same(before.permissions, ['admins.view', 'audit.view'])
  t.match(before.role, /^test role /, 'the role name comes with the account')

  const [partner] = await db.insert(partners).values({ name: 'Reseller on the other node' }).returning({ id: partners.id })
  await db.insert(adminPartners).values({ adminId: owner.id, partnerId: partner!.id })
  t.same((await me()).json().partnerIds, [partner!.id], 'a new partner limit applies at once')

  await db.update(roles).set({ permissions: ['audit.view'] }).where(eq(roles.id, owner.roleId))
  t.same((await me()).json().permissions, ['audit.view'], 'a narrowed role applies at once')

  const revoked = await ctx.app.inject({
    method: 'DELETE',
    url: `/api/v1/api-keys/${before.apiKeyId}`,
    headers: { authorization: `Bearer ${await createApiKey(db, (await createAdmin(db)).id, ['apikeys.manage', 'admins.manage'])}` },
  })
  t.equal(revoked.statusCode, 200, 'revoked through the first server')
  t.equal((await me()).statusCode, 401, 'and refused by the second on the next request')
})
