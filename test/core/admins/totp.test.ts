import t from 'tap'
import { eq } from 'drizzle-orm'
import { generate } from 'otplib'
import { hashPassword } from '../../../core/admins/passwords.ts'
import { admins, auditLog } from '../../../db/schema.ts'
import { testApp, type TestApp } from '../../helpers/app.ts'
import {
  cookieHeader,
  createAdmin,
  csrfFrom,
  loginAdmin,
  mergeCookies,
  type Session,
} from '../../helpers/auth.ts'

// Several apps and many argon2 hashes per file: generous on a loaded machine.
t.setTimeout(300_000)

type Tap = Pick<typeof t, 'equal' | 'match' | 'notOk'>

const html = { accept: 'text/html' }

function totpAt(ctx: TestApp, secret: string, offsetS = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) + offsetS })
}

/** Walks the enrolment page as a browser would; returns the secret and the recovery codes shown. */
async function enrol(t: Tap, ctx: TestApp, session: Session): Promise<{ secret: string; codes: string[] }> {
  const page = await ctx.app.inject({
    method: 'GET',
    url: '/admin/profile/2fa',
    headers: { ...html, cookie: session.cookie },
  })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<img src="data:image\/png;base64,/, 'a QR code is shown')
  const secret = /id="totp-key">([^<]+)</.exec(page.body)![1]!.replace(/\s+/g, '')
  const sealed = /name="sealed" value="([^"]+)"/.exec(page.body)![1]!
  t.notOk(page.body.includes(`value="${secret}"`), 'the form carries the sealed secret, not the plain one')
  const wrong = await ctx.app.inject({
    method: 'POST',
    url: '/admin/profile/2fa',
    headers: { ...html, cookie: session.cookie },
    payload: {
      _csrf: session.csrf,
      sealed,
      code: '000000' === (await totpAt(ctx, secret)) ? '111111' : '000000',
    },
  })
  t.equal(wrong.statusCode, 400)
  t.match(wrong.body, 'the code is not correct', 'a wrong code is refused next to the field')
  const done = await ctx.app.inject({
    method: 'POST',
    url: '/admin/profile/2fa',
    headers: { ...html, cookie: session.cookie },
    payload: { _csrf: session.csrf, sealed, code: await totpAt(ctx, secret) },
  })
  t.equal(done.statusCode, 200)
  const codes = [...done.body.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map(
    (m) => m[1]!,
  )
  t.equal(codes.length, 10, 'ten recovery codes are shown once')
  return { secret, codes }
}

t.test('TOTP: enrol, sign in with a code, replay refused, recovery codes single use', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database, clock } = ctx
  const admin = await createAdmin(database.db, { login: 'dana' })
  const first = await loginAdmin(app, admin.login, admin.password)
  const { secret, codes } = await enrol(t, ctx, first)

  const [row] = await database.db.select().from(admins).where(eq(admins.id, admin.id))
  t.ok(row!.totpSecret, 'the secret is stored')
  t.notOk(row!.totpSecret!.includes(secret), 'encrypted, not in clear')
  t.equal(row!.recoveryCodes.length, 10)
  t.notOk(row!.recoveryCodes.includes(codes[0]!), 'recovery codes are stored hashed')

  // Password alone now leads to the second step, and nothing else is reachable.
  clock.advance(60_000)
  const pwPage = await app.inject({ method: 'GET', url: '/admin/login', headers: html })
  let jar = mergeCookies({}, pwPage.headers['set-cookie'])
  const csrf = csrfFrom(pwPage.body)
  const pw = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...html, cookie: cookieHeader(jar) },
    payload: { login: 'dana', password: admin.password, _csrf: csrf },
  })
  t.equal(pw.statusCode, 303)
  t.match(pw.headers.location, /^\/admin\/login\/2fa/)
  jar = mergeCookies(jar, pw.headers['set-cookie'])
  const blocked = await app.inject({
    method: 'GET',
    url: '/admin/profile',
    headers: { ...html, cookie: cookieHeader(jar) },
  })
  t.equal(blocked.statusCode, 303)
  t.equal(blocked.headers.location, '/admin/login/2fa', 'before the code, only the 2FA page is reachable')

  const code = await totpAt(ctx, secret)
  const ok = await app.inject({
    method: 'POST',
    url: '/admin/login/2fa',
    headers: { ...html, cookie: cookieHeader(jar) },
    payload: { code, _csrf: csrf },
  })
  t.equal(ok.statusCode, 303)
  t.equal(
    (
      await app.inject({
        method: 'GET',
        url: '/admin/profile',
        headers: { ...html, cookie: cookieHeader(jar) },
      })
    ).statusCode,
    200,
  )

  // The same code again, in another sign-in within its validity window: refused.
  const again = await loginAdmin(app, 'dana', admin.password, { totp: () => code }).catch((e: Error) => e)
  t.type(again, Error, 'a replayed code is refused')
  t.match((again as Error).message, /2FA for dana failed: 401/)
  clock.advance(30_000)
  const fresh = await loginAdmin(app, 'dana', admin.password, { totp: () => totpAt(ctx, secret) })
  t.ok(fresh.cookie.includes('uplink_sid'), 'the next code works')

  // A recovery code works once.
  clock.advance(30_000)
  const viaRecovery = await loginAdmin(app, 'dana', admin.password, { totp: () => codes[3]!.toUpperCase() })
  t.ok(viaRecovery.cookie, 'a recovery code signs in (case-insensitive)')
  const reused = await loginAdmin(app, 'dana', admin.password, { totp: () => codes[3]! }).catch(
    (e: Error) => e,
  )
  t.type(reused, Error, 'the same recovery code is refused the second time')
  const [after] = await database.db.select().from(admins).where(eq(admins.id, admin.id))
  t.equal(after!.recoveryCodes.length, 9, 'the used code is gone')
  t.ok(
    after!.recoveryCodes.every((h) => h.startsWith('hmac-sha256:')),
    'stored as keyed digests (no slow hash: ten argon2 checks an attempt took seconds)',
  )

  // A code stored as argon2id by an earlier version still works, once.
  await database.db
    .update(admins)
    .set({ recoveryCodes: [...after!.recoveryCodes, await hashPassword('abcdefghjk')] })
    .where(eq(admins.id, admin.id))
  const legacy = await loginAdmin(app, 'dana', admin.password, { totp: () => 'ABCDE-FGHJK' })
  t.ok(legacy.cookie, 'an argon2id-stored recovery code signs in')
  const [afterLegacy] = await database.db.select().from(admins).where(eq(admins.id, admin.id))
  t.equal(afterLegacy!.recoveryCodes.length, 9, 'and is used up')

  const actions = (
    await database.db
      .select({ a: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.entityId, String(admin.id)))
  ).map((r) => r.a)
  t.ok(actions.includes('admin.2fa_enable'))
  t.ok(actions.includes('admin.login_recovery_code'))
  t.ok(actions.includes('admin.login_2fa_failed'))

  // Disabling needs a valid code.
  clock.advance(30_000)
  const s = viaRecovery
  const noCode = await app.inject({
    method: 'POST',
    url: '/admin/profile/2fa/disable',
    headers: { ...html, cookie: s.cookie },
    payload: { _csrf: s.csrf, code: '123' },
  })
  t.equal(noCode.statusCode, 400)
  const off = await app.inject({
    method: 'POST',
    url: '/admin/profile/2fa/disable',
    headers: { ...html, cookie: s.cookie },
    payload: { _csrf: s.csrf, code: await totpAt(ctx, secret) },
  })
  t.equal(off.statusCode, 303)
  const [disabled] = await database.db.select().from(admins).where(eq(admins.id, admin.id))
  t.equal(disabled!.totpSecret, null)
  t.same(disabled!.recoveryCodes, [])
})

t.test('a role with require2fa forces enrolment before anything else', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database } = ctx
  const admin = await createAdmin(database.db, { permissions: ['admins.view'], require2fa: true })
  const s = await loginAdmin(app, admin.login, admin.password)
  for (const url of ['/admin/admins', '/admin/profile']) {
    const res = await app.inject({ method: 'GET', url, headers: { ...html, cookie: s.cookie } })
    t.equal(res.statusCode, 303, `${url} is not reachable yet`)
    t.equal(res.headers.location, '/admin/profile/2fa')
  }
  const hx = await app.inject({
    method: 'GET',
    url: '/admin/admins',
    headers: { cookie: s.cookie, 'hx-request': 'true' },
  })
  t.equal(hx.headers['hx-redirect'], '/admin/profile/2fa', 'htmx requests are redirected too')
  const page = await app.inject({
    method: 'GET',
    url: '/admin/profile/2fa',
    headers: { ...html, cookie: s.cookie },
  })
  t.match(page.body, 'Your role requires two-factor authentication')
  await enrol(t, ctx, s)
  const now = await app.inject({
    method: 'GET',
    url: '/admin/admins',
    headers: { ...html, cookie: s.cookie },
  })
  t.equal(now.statusCode, 200, 'after enrolment the panel opens')
  const off = await app.inject({
    method: 'POST',
    url: '/admin/profile/2fa/disable',
    headers: { ...html, cookie: s.cookie },
    payload: { _csrf: s.csrf, code: 'whatever' },
  })
  t.equal(off.headers.location, '/admin/profile/2fa', 'the role forbids turning it off')
  const [row] = await database.db.select().from(admins).where(eq(admins.id, admin.id))
  t.ok(row!.totpSecret, 'still enabled')
})
