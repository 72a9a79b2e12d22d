import t from 'tap'
import { eq } from 'drizzle-orm'
import { adminPartners, admins, auditLog, partners, roles } from '../../../db/schema.ts'
import { matches } from '../../../core/admins/permissions.ts'
import { ensureBuiltins } from '../../../core/admins/roles.ts'
import { testApp } from '../../helpers/app.ts'
import {
  adminSession,
  cookieHeader,
  createAdmin,
  createApiKey,
  loginAdmin,
  mergeCookies,
} from '../../helpers/auth.ts'

// Several apps and many argon2 hashes per file: generous on a loaded machine.
t.setTimeout(300_000)

const html = { accept: 'text/html' }

t.test('built-in roles are seeded once, idempotently', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const list = await ctx.database.db.select().from(roles)
  t.same(list.map((r) => r.builtin).sort(), [
    'admin',
    'customer_creator',
    'financial_manager',
    'manager',
    'super_admin',
  ])
  t.same(list.find((r) => r.builtin === 'super_admin')!.permissions, ['*'])
  const admin = list.find((r) => r.builtin === 'admin')!
  t.ok(matches(admin.permissions, 'audit.view'), 'admin reads the audit log')
  t.ok(matches(admin.permissions, 'admins.view'))
  t.notOk(matches(admin.permissions, 'roles.manage'), 'admin does not manage roles')
  t.notOk(matches(admin.permissions, 'admins.manage'), 'nor admins')
  await ensureBuiltins(ctx.database.db, [])
  t.equal((await ctx.database.db.select().from(roles)).length, 5, 'running again adds nothing')
})

t.test('admins CRUD in the panel: validation, partners, audit with before/after, no secrets', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database } = ctx
  const db = database.db
  const [p1] = await db.insert(partners).values({ name: 'Reseller North' }).returning()
  const boss = await adminSession(app, { role: 'super_admin' })
  const [managerRole] = await db.select().from(roles).where(eq(roles.builtin, 'manager'))
  const post = (url: string, payload: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...html, cookie: boss.cookie },
      payload: { _csrf: boss.csrf, ...payload },
    })

  const bad = await post('/admin/admins', {
    login: 'a b',
    name: '',
    password: 'short',
    roleId: managerRole!.id,
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="f-login-error">2-64 characters/, 'login error next to the field')
  t.match(bad.body, /id="f-name-error">is required/)
  t.match(bad.body, /id="f-password-error">must be at least 10 characters/)
  t.equal((await db.select().from(admins).where(eq(admins.login, 'a b'))).length, 0, 'nothing saved')

  const ok = await post('/admin/admins', {
    login: 'erin',
    name: 'Erin Example',
    email: 'erin@isp.example',
    password: 'a-long-password-1',
    roleId: managerRole!.id,
    active: ['false', 'true'],
    partnerIds: [String(p1!.id)],
  })
  t.equal(ok.statusCode, 303)
  const [erin] = await db.select().from(admins).where(eq(admins.login, 'erin'))
  t.ok(erin)
  t.same(
    (await db.select().from(adminPartners).where(eq(adminPartners.adminId, erin!.id))).map(
      (r) => r.partnerId,
    ),
    [p1!.id],
  )
  const dup = await post('/admin/admins', {
    login: 'ERIN',
    name: 'x',
    password: 'a-long-password-1',
    roleId: managerRole!.id,
  })
  t.match(dup.body, /id="f-login-error">is already taken/)

  const erinSession = await loginAdmin(app, 'erin', 'a-long-password-1')
  const me = await app.inject({
    method: 'GET',
    url: '/admin/profile',
    headers: { ...html, cookie: erinSession.cookie },
  })
  t.equal(me.statusCode, 200)

  const edit = await post(`/admin/admins/${erin!.id}`, {
    login: 'erin',
    name: 'Erin Renamed',
    email: '',
    password: 'another-password-2',
    roleId: managerRole!.id,
    active: ['false', 'true'],
  })
  t.equal(edit.statusCode, 303)
  const [edited] = await db.select().from(admins).where(eq(admins.id, erin!.id))
  t.equal(edited!.name, 'Erin Renamed')
  t.equal(edited!.email, null)
  t.same(
    await db.select().from(adminPartners).where(eq(adminPartners.adminId, erin!.id)),
    [],
    'partner limit removed',
  )
  const kicked = await app.inject({
    method: 'GET',
    url: '/admin/profile',
    headers: { ...html, cookie: erinSession.cookie },
  })
  t.equal(kicked.statusCode, 303, 'a password reset by an admin ends the sessions')

  const off = await post(`/admin/admins/${erin!.id}/deactivate`, {})
  t.equal(off.statusCode, 303)
  await t.rejects(loginAdmin(app, 'erin', 'another-password-2'), /401/, 'a deactivated admin cannot sign in')

  const rows = await db
    .select()
    .from(auditLog)
    .where(eq(auditLog.entityId, String(erin!.id)))
  const create = rows.find((r) => r.action === 'admin.create')!
  t.equal(create.actorName, boss.login)
  t.match(create.after, {
    login: 'erin',
    name: 'Erin Example',
    role: managerRole!.name,
    partnerIds: [p1!.id],
  })
  const update = rows.find((r) => r.action === 'admin.update')!
  t.match(update.before, { name: 'Erin Example', email: 'erin@isp.example' })
  t.match(update.after, { name: 'Erin Renamed', email: null, changedCredentials: true })
  t.ok(rows.some((r) => r.action === 'admin.deactivate'))
  const everything = JSON.stringify(
    (await db.select().from(auditLog)).map((r) => ({ ...r, id: String(r.id) })),
  )
  t.notMatch(everything, /\$argon2/, 'no password hash anywhere in the audit log')
  t.notMatch(everything, /a-long-password-1|another-password-2/, 'no password either')
})

t.test('no escalation, and the last super admin stays', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database } = ctx
  const db = database.db
  const [superRole] = await db.select().from(roles).where(eq(roles.builtin, 'super_admin'))
  const hr = await adminSession(app, { permissions: ['admins.view', 'admins.manage', 'roles.manage'] })
  const post = (url: string, payload: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...html, cookie: hr.cookie },
      payload: { _csrf: hr.csrf, ...payload },
    })

  const elevate = await post('/admin/admins', {
    login: 'mallory',
    name: 'M',
    password: 'a-long-password-1',
    roleId: superRole!.id,
  })
  t.equal(elevate.statusCode, 403)
  t.match(elevate.body, 'has permissions you do not have')
  const selfPromote = await post(`/admin/admins/${hr.id}`, {
    login: hr.login,
    name: 'x',
    roleId: superRole!.id,
  })
  t.equal(selfPromote.statusCode, 403, 'cannot promote oneself')
  const role = await post('/admin/roles', { name: 'Too much', all: ['false', 'true'] })
  t.equal(role.statusCode, 403, 'cannot create a role with more than one has')
  const fine = await post('/admin/roles', {
    name: 'Helpdesk',
    permissions: ['admins.view'],
    require2fa: ['false', 'true'],
  })
  t.equal(fine.statusCode, 303)
  const [helpdesk] = await db.select().from(roles).where(eq(roles.name, 'Helpdesk'))
  t.same(helpdesk!.permissions, ['admins.view'])
  t.equal(helpdesk!.require2fa, true)

  const [only] = await db.select().from(admins).where(eq(admins.roleId, superRole!.id))
  t.notOk(only, 'no super admin yet in this database')
  const root = await createAdmin(db, { role: 'super_admin' })
  const rs = await loginAdmin(app, root.login, root.password)
  const res = await app.inject({
    method: 'POST',
    url: `/admin/admins/${root.id}/deactivate`,
    headers: { ...html, cookie: rs.cookie },
    payload: { _csrf: rs.csrf },
  })
  t.equal(res.statusCode, 303)
  const [still] = await db.select().from(admins).where(eq(admins.id, root.id))
  t.equal(still!.active, true, 'the last active super admin cannot be deactivated')
  const flashCookie = mergeCookies({}, res.headers['set-cookie'])
  const page = await app.inject({
    method: 'GET',
    url: `/admin/admins/${root.id}`,
    headers: { ...html, cookie: `${rs.cookie}; ${cookieHeader(flashCookie)}` },
  })
  t.match(page.body, 'last active super administrator')
})

t.test('roles: checklist, wildcard groups, delete rules, API', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database } = ctx
  const db = database.db
  const boss = await adminSession(app, { role: 'super_admin' })
  const form = await app.inject({
    method: 'GET',
    url: '/admin/roles/new',
    headers: { ...html, cookie: boss.cookie },
  })
  t.match(form.body, 'value="admins.manage"', 'known permissions are listed')
  t.match(form.body, /<summary>admins /, 'grouped by prefix')
  const create = await app.inject({
    method: 'POST',
    url: '/admin/roles',
    headers: { ...html, cookie: boss.cookie },
    payload: {
      _csrf: boss.csrf,
      name: 'Auditor',
      groups: 'admins',
      permissions: ['admins.view', 'audit.view'],
    },
  })
  t.equal(create.statusCode, 303)
  const [auditor] = await db.select().from(roles).where(eq(roles.name, 'Auditor'))
  t.same(auditor!.permissions, ['admins.*', 'audit.view'], 'exact entries under a wildcard are folded in')
  const again = await app.inject({
    method: 'POST',
    url: '/admin/roles',
    headers: { ...html, cookie: boss.cookie },
    payload: { _csrf: boss.csrf, name: 'auditor' },
  })
  t.equal(again.statusCode, 400)
  t.match(again.body, 'a role with this name exists')

  const user = await createAdmin(db, { login: 'olga' })
  await db.update(admins).set({ roleId: auditor!.id }).where(eq(admins.id, user.id))
  const key = await createApiKey(db, boss.id, ['*'])
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/v1/roles/${auditor!.id}`,
    headers: { authorization: `Bearer ${key}` },
  })
  t.equal(del.statusCode, 409, 'a role in use cannot be deleted')
  const builtin = await db.select().from(roles).where(eq(roles.builtin, 'manager'))
  const delBuiltin = await app.inject({
    method: 'DELETE',
    url: `/api/v1/roles/${builtin[0]!.id}`,
    headers: { authorization: `Bearer ${key}` },
  })
  t.equal(delBuiltin.statusCode, 409)
  const viaApi = await app.inject({
    method: 'POST',
    url: '/api/v1/roles',
    headers: { authorization: `Bearer ${key}` },
    payload: { name: 'Night shift', permissions: ['admins.view', 'not a permission'] },
  })
  t.equal(viaApi.statusCode, 400)
  t.equal(viaApi.json().fields[0].field, 'permissions')
  const list = await app.inject({
    method: 'GET',
    url: '/api/v1/roles',
    headers: { authorization: `Bearer ${key}` },
  })
  t.ok(list.json().some((r: { name: string }) => r.name === 'Auditor'))
  const adminsApi = await app.inject({
    method: 'GET',
    url: '/api/v1/admins?q=olg',
    headers: { authorization: `Bearer ${key}` },
  })
  t.equal(adminsApi.json().total, 1)
  t.notOk('passwordHash' in adminsApi.json().items[0], 'the API never returns the hash')
})
