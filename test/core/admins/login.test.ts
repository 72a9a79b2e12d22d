import t from 'tap'
import { and, eq } from 'drizzle-orm'
import { adminSessions, auditLog } from '../../../db/schema.ts'
import { testApp } from '../../helpers/app.ts'
import { cookieHeader, createAdmin, csrfFrom, loginAdmin, mergeCookies } from '../../helpers/auth.ts'

// Several apps and many argon2 hashes per file: generous on a loaded machine.
t.setTimeout(300_000)

const html = { accept: 'text/html' }

t.test('login, logout and the session cookie', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database } = ctx
  const admin = await createAdmin(database.db, { login: 'alice', password: 'correct horse battery' })

  const anonymous = await app.inject({ method: 'GET', url: '/admin/admins?x=1', headers: html })
  t.equal(anonymous.statusCode, 303, 'panel pages redirect anonymous visitors')
  t.equal(anonymous.headers.location, '/admin/login?next=%2Fadmin%2Fadmins%3Fx%3D1')

  const page = await app.inject({ method: 'GET', url: '/admin/login', headers: html })
  t.equal(page.statusCode, 200)
  const jar = mergeCookies({}, page.headers['set-cookie'])
  const csrf = csrfFrom(page.body)

  const wrong = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...html, cookie: cookieHeader(jar) },
    payload: { login: 'alice', password: 'nope', _csrf: csrf },
  })
  t.equal(wrong.statusCode, 401)
  t.match(wrong.body, 'Wrong login or password.')
  const unknown = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...html, cookie: cookieHeader(jar) },
    payload: { login: 'bob', password: 'nope', _csrf: csrf },
  })
  t.equal(unknown.statusCode, 401)
  t.match(unknown.body, 'Wrong login or password.', 'an unknown login gets the same message')

  const ok = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...html, cookie: cookieHeader(jar) },
    payload: { login: 'alice', password: 'correct horse battery', next: '/admin/profile', _csrf: csrf },
  })
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, '/admin/profile')
  const setCookie = String(ok.headers['set-cookie'])
  t.match(setCookie, /uplink_sid=[^;]+;.*HttpOnly/i)
  t.match(setCookie, /SameSite=Lax/i)
  const session = mergeCookies(jar, ok.headers['set-cookie'])

  const [stored] = await database.db.select().from(adminSessions).where(eq(adminSessions.adminId, admin.id))
  t.ok(stored, 'a session row exists')
  t.notMatch(session.uplink_sid!, stored!.id, 'the table holds the hash, not the token')

  const profile = await app.inject({
    method: 'GET',
    url: '/admin/profile',
    headers: { ...html, cookie: cookieHeader(session) },
  })
  t.equal(profile.statusCode, 200)
  t.match(profile.body, 'alice')

  const offsite = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...html, cookie: cookieHeader(jar) },
    payload: { login: 'alice', password: 'correct horse battery', next: '//evil.example/x', _csrf: csrf },
  })
  t.equal(offsite.headers.location, '/admin', 'next never leaves the panel')

  const logout = await app.inject({
    method: 'POST',
    url: '/admin/logout',
    headers: { ...html, cookie: cookieHeader(session) },
    payload: { _csrf: csrf },
  })
  t.equal(logout.statusCode, 303)
  const after = await app.inject({
    method: 'GET',
    url: '/admin/profile',
    headers: { ...html, cookie: cookieHeader(session) },
  })
  t.equal(after.statusCode, 303, 'the old cookie no longer works after logout')

  const actions = (await database.db.select().from(auditLog).where(eq(auditLog.entity, 'admin'))).map(
    (r) => r.action,
  )
  t.ok(actions.includes('admin.login'), 'login audited')
  t.ok(actions.includes('admin.logout'), 'logout audited')
  t.equal(actions.filter((a) => a === 'admin.login_failed').length, 2, 'failures audited')
})

t.test('CSRF: a form post without the token is refused', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const admin = await createAdmin(ctx.database.db)
  const page = await ctx.app.inject({ method: 'GET', url: '/admin/login', headers: html })
  const jar = mergeCookies({}, page.headers['set-cookie'])
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { accept: 'application/json', cookie: cookieHeader(jar) },
    payload: { login: admin.login, password: admin.password },
  })
  t.equal(res.statusCode, 403)
  const session = await loginAdmin(ctx.app, admin.login, admin.password)
  const logout = await ctx.app.inject({
    method: 'POST',
    url: '/admin/logout',
    headers: { cookie: session.cookie },
    payload: {},
  })
  t.equal(logout.statusCode, 403, 'logout without a token is refused too')
  const withHeader = await ctx.app.inject({
    method: 'POST',
    url: '/admin/logout',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    payload: {},
  })
  t.equal(withHeader.statusCode, 303, 'the X-CSRF-Token header (htmx) is accepted')
})

t.test('lockout after five failures, and the per-address rate limit', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database, clock } = ctx
  const admin = await createAdmin(database.db, { login: 'carol' })
  const page = await app.inject({ method: 'GET', url: '/admin/login', headers: html })
  const cookie = cookieHeader(mergeCookies({}, page.headers['set-cookie']))
  const csrf = csrfFrom(page.body)
  const attempt = (password: string, remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/admin/login',
      remoteAddress,
      headers: { ...html, cookie },
      payload: { login: 'carol', password, _csrf: csrf },
    })
  for (let i = 0; i < 4; i++) t.equal((await attempt('wrong', `192.0.2.${i}`)).statusCode, 401)
  const fifth = await attempt('wrong', '192.0.2.9')
  t.equal(fifth.statusCode, 429)
  t.match(fifth.body, /locked; try again in 15 minutes/)
  const right = await attempt(admin.password, '192.0.2.10')
  t.equal(right.statusCode, 429, 'even the right password is refused while locked')
  clock.advance(16 * 60_000)
  t.equal((await attempt(admin.password, '192.0.2.11')).statusCode, 303, 'the lock ends after 15 minutes')
  const [row] = await database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'admin.login_locked')))
  t.ok(row, 'the lockout is audited')

  const statuses: number[] = []
  for (let i = 0; i < 11; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/login',
      remoteAddress: '198.51.100.7',
      headers: { ...html, cookie },
      payload: { login: `nobody${i}`, password: 'x', _csrf: csrf },
    })
    statuses.push(res.statusCode)
    if (i === 10) t.match(res.body, /Too many sign-in attempts from your address/)
  }
  t.same(statuses.slice(0, 10), Array(10).fill(401), `statuses: ${statuses.join(',')}`)
  t.equal(statuses[10], 429, 'the 11th attempt in a minute from one address is refused')
})

t.test('idle timeout, absolute lifetime and revocation', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database, clock, config } = ctx
  const admin = await createAdmin(database.db)
  const get = (cookie: string) =>
    app.inject({ method: 'GET', url: '/admin/profile', headers: { ...html, cookie } })

  const s1 = await loginAdmin(app, admin.login, admin.password)
  clock.advance((config.SESSION_IDLE_MINUTES - 1) * 60_000)
  t.equal((await get(s1.cookie)).statusCode, 200, 'still alive just before the idle limit')
  clock.advance((config.SESSION_IDLE_MINUTES - 1) * 60_000)
  t.equal((await get(s1.cookie)).statusCode, 200, 'activity keeps it alive')
  clock.advance((config.SESSION_IDLE_MINUTES + 1) * 60_000)
  t.equal((await get(s1.cookie)).statusCode, 303, 'idle too long: back to the login page')

  const s2 = await loginAdmin(app, admin.login, admin.password)
  for (let i = 0; i < 16; i++) {
    clock.advance(50 * 60_000)
    await get(s2.cookie)
  }
  t.equal((await get(s2.cookie)).statusCode, 303, 'no session lives past 12 hours')

  const s3 = await loginAdmin(app, admin.login, admin.password)
  const s4 = await loginAdmin(app, admin.login, admin.password)
  const list = await get(s3.cookie)
  const ids = [...list.body.matchAll(/name="sessionId" value="([0-9a-f]{64})"/g)].map((m) => m[1])
  t.equal(ids.length, 1, 'the other session is listed with a revoke button')
  if (ids.length !== 1) console.error(list.statusCode, list.body.slice(-3000))
  const revoke = await app.inject({
    method: 'POST',
    url: '/admin/profile/sessions/revoke',
    headers: { ...html, cookie: s3.cookie },
    payload: { sessionId: ids[0], _csrf: s3.csrf },
  })
  t.equal(revoke.statusCode, 303)
  t.equal((await get(s4.cookie)).statusCode, 303, 'the revoked session is signed out')
  t.equal((await get(s3.cookie)).statusCode, 200, 'the current one still works')
})
