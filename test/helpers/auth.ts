import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { SYSTEM_ACTOR } from '../../core/audit/service.ts'
import type { BuiltinRoleKey } from '../../core/admins/builtin-roles.ts'
import { hashPassword } from '../../core/admins/passwords.ts'
import { roleByBuiltin } from '../../core/admins/roles.ts'
import { adminPartners, admins, roles } from '../../core/admins/schema.ts'
import { createApiKey as createKey } from '../../core/api/keys.ts'
import type { DbOrTx } from '../../db/client.ts'

export interface TestAdmin {
  id: number
  login: string
  password: string
  roleId: number
}

let seq = 0

/**
 * Inserts an admin. With `permissions`, a custom role holding exactly those is created for them;
 * otherwise `role` picks a built-in role (default super_admin). Options: partnerIds limits the admin.
 */
export async function createAdmin(
  db: DbOrTx,
  options: {
    login?: string
    password?: string
    name?: string
    role?: BuiltinRoleKey
    permissions?: string[]
    require2fa?: boolean
    partnerIds?: number[]
    active?: boolean
  } = {},
): Promise<TestAdmin> {
  seq += 1
  const login = options.login ?? `admin${seq}_${randomBytes(3).toString('hex')}`
  const password = options.password ?? `pw-${randomBytes(9).toString('base64url')}`
  let roleId: number
  if (options.permissions || options.require2fa) {
    const base = options.permissions ?? (await roleByBuiltin(db, options.role ?? 'super_admin')).permissions
    const [role] = await db
      .insert(roles)
      .values({ name: `test role ${login}`, permissions: base, require2fa: options.require2fa ?? false })
      .returning({ id: roles.id })
    roleId = role!.id
  } else {
    roleId = (await roleByBuiltin(db, options.role ?? 'super_admin')).id
  }
  const [row] = await db
    .insert(admins)
    .values({
      login,
      name: options.name ?? login,
      passwordHash: await hashPassword(password),
      roleId,
      active: options.active ?? true,
    })
    .returning({ id: admins.id })
  if (options.partnerIds?.length) {
    await db
      .insert(adminPartners)
      .values(options.partnerIds.map((partnerId) => ({ adminId: row!.id, partnerId })))
  }
  return { id: row!.id, login, password, roleId }
}

export interface Session {
  /** Cookie header value (session + CSRF secret cookies) for app.inject. */
  cookie: string
  /** CSRF token: `_csrf` in form bodies or the X-CSRF-Token header. */
  csrf: string
}

/** Cookies of a response as `name=value` pairs, merged over earlier ones. */
export function mergeCookies(
  previous: Record<string, string>,
  setCookie: string | string[] | undefined,
): Record<string, string> {
  const out = { ...previous }
  for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    const [pair] = line.split(';')
    const eq = pair!.indexOf('=')
    const name = pair!.slice(0, eq).trim()
    const value = pair!.slice(eq + 1).trim()
    if (!value || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) delete out[name]
    else out[name] = value
  }
  return out
}

export const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')

/** The `_csrf` token in a rendered page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!match) throw new Error('no CSRF token in the page')
  return match[1]!
}

/**
 * Signs in through the real login form (GET then POST /admin/login) and returns the cookies and CSRF
 * token to send with later requests. Each call comes from its own address, so tests never trip the
 * per-address login rate limit. For admins with 2FA pass `totp` (a function returning a current code).
 */
export async function loginAdmin(
  app: FastifyInstance,
  login: string,
  password: string,
  options: { totp?: () => Promise<string> | string; remoteAddress?: string } = {},
): Promise<Session> {
  seq += 1
  const remoteAddress =
    options.remoteAddress ??
    `10.${seq % 250}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`
  const page = await app.inject({
    method: 'GET',
    url: '/admin/login',
    remoteAddress,
    headers: { accept: 'text/html' },
  })
  let jar = mergeCookies({}, page.headers['set-cookie'])
  const csrf = csrfFrom(page.body)
  const res = await app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress,
    headers: { cookie: cookieHeader(jar), accept: 'text/html' },
    payload: { login, password, _csrf: csrf },
  })
  if (res.statusCode !== 303)
    throw new Error(`login as ${login} failed: ${res.statusCode} ${res.body.slice(0, 300)}`)
  jar = mergeCookies(jar, res.headers['set-cookie'])
  if (String(res.headers.location).startsWith('/admin/login/2fa')) {
    if (!options.totp) throw new Error(`${login} has 2FA: pass options.totp`)
    const mfa = await app.inject({
      method: 'POST',
      url: '/admin/login/2fa',
      remoteAddress,
      headers: { cookie: cookieHeader(jar), accept: 'text/html' },
      payload: { code: await options.totp(), _csrf: csrf },
    })
    if (mfa.statusCode !== 303) throw new Error(`2FA for ${login} failed: ${mfa.statusCode}`)
    jar = mergeCookies(jar, mfa.headers['set-cookie'])
  }
  return { cookie: cookieHeader(jar), csrf }
}

/** Creates an API key for the admin with the given permission patterns and returns the plain key. */
export async function createApiKey(db: DbOrTx, adminId: number, permissions: string[]): Promise<string> {
  seq += 1
  const { key } = await createKey(
    db,
    adminId,
    { name: `test key ${seq}`, permissions },
    { actor: SYSTEM_ACTOR },
  )
  return key
}

/** Convenience: a new admin signed in; returns the admin and the session. */
export async function adminSession(
  app: FastifyInstance,
  options: Parameters<typeof createAdmin>[1] = {},
): Promise<TestAdmin & Session> {
  const admin = await createAdmin(app.ctx.db, options)
  return { ...admin, ...(await loginAdmin(app, admin.login, admin.password)) }
}
