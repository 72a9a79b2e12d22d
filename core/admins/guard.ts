import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { authenticateApiKey } from '../api/keys.ts'
import type { AdminPrincipal } from '../kernel/auth-types.ts'
import { ForbiddenError, UnauthorizedError } from '../kernel/errors.ts'
import { principalOf } from './principal.ts'
import { ensureBuiltins } from './roles.ts'
import { resumeSession, type SignedInAccount } from './sessions.ts'

export const SESSION_COOKIE = 'uplink_sid'
export const LOGIN_PATH = '/admin/login'
export const MFA_PATH = '/admin/login/2fa'
export const ENROL_PATH = '/admin/profile/2fa'
const LOGOUT_PATH = '/admin/logout'

export interface RegisteredRoute {
  method: string
  url: string
  permission?: string
  public?: boolean
}

const routesOf = new WeakMap<FastifyInstance, RegisteredRoute[]>()
const knownOf = new WeakMap<FastifyInstance, string[]>()
const accounts = new WeakMap<FastifyRequest, SignedInAccount>()

/** The account (role name, partner limits) the guard loaded for this request's signed-in admin, if any. */
export function requestAccount(request: FastifyRequest): SignedInAccount | undefined {
  const account = accounts.get(request)
  return account && request.admin?.id === account.id ? account : undefined
}

/** Every route registered after installGuards, with what it declares (for the route-walk test and diagnostics). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return routesOf.get(app) ?? []
}

/** Every permission the loaded core modules and plugins declare. */
export function knownPermissions(app: FastifyInstance): string[] {
  let known = knownOf.get(app)
  if (!known) {
    known = [...new Set((app.host?.plugins ?? []).flatMap((p) => p.permissions ?? []))].sort()
    knownOf.set(app, known)
  }
  return known
}

type Area = 'admin' | 'api' | null

export function areaOf(path: string): Area {
  if (path === '/admin' || path.startsWith('/admin/')) return 'admin'
  if (path === '/api/v1' || path.startsWith('/api/v1/')) return 'api'
  return null
}

const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function isHtmx(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true'
}

function sendToLogin(request: FastifyRequest, reply: FastifyReply, target: string) {
  if (isHtmx(request)) {
    reply.header('HX-Redirect', target)
    return reply.code(401).send({ error: 'unauthorized', message: 'Please sign in again' })
  }
  if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect(target, 303)
  throw new UnauthorizedError('Your session has ended; please sign in again')
}

/** The admin of a valid session cookie, and the session's state, or null. */
async function fromSession(app: FastifyInstance, request: FastifyRequest) {
  const raw = request.cookies[SESSION_COOKIE]
  if (!raw) return null
  const unsigned = request.unsignCookie(raw)
  if (!unsigned.valid || !unsigned.value) return null
  const { db, clock, config } = app.ctx
  const state = await resumeSession(db, unsigned.value, clock.now(), config.SESSION_IDLE_MINUTES)
  if (!state.ok) return null
  const { account } = state
  if (!account.active) return null
  accounts.set(request, account)
  return {
    account,
    session: state.session,
    principal: principalOf(account, knownPermissions(app), { sessionId: state.session.id }),
  }
}

async function fromApiKey(app: FastifyInstance, request: FastifyRequest): Promise<AdminPrincipal | null> {
  const header = request.headers.authorization
  const match = header && /^Bearer\s+(\S+)$/i.exec(header)
  if (!match) return null
  const { db, clock } = app.ctx
  const key = await authenticateApiKey(db, match[1]!, clock.now())
  if (!key?.account.active) return null
  const { account } = key
  accounts.set(request, account)
  return principalOf(account, knownPermissions(app), { apiKeyId: key.id, keyPermissions: key.permissions })
}

function declared(route: { url?: string | undefined; config?: { permission?: string; public?: boolean } }) {
  return !!route.config?.public || !!route.config?.permission
}

/**
 * Installs authentication and authorisation for /admin (session cookie) and /api/v1 (API key), CSRF
 * checks for panel forms, and the built-in roles on boot. Call it on the root instance before any
 * route is registered.
 */
export function installGuards(app: FastifyInstance): void {
  if (routesOf.has(app)) return
  if (!app.hasRequestDecorator('admin')) app.decorateRequest('admin', null)
  const routes: RegisteredRoute[] = []
  routesOf.set(app, routes)

  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const config = (route.config ?? {}) as { permission?: string; public?: boolean }
    for (const method of methods)
      routes.push({ method, url: route.url, permission: config.permission, public: config.public })
    if (areaOf(route.url) && !declared(route)) {
      app.log.error(
        { url: route.url, method: route.method },
        'route declares neither config.permission nor config.public; it will answer 500',
      )
    }
  })

  app.addHook('onReady', async () => {
    await ensureBuiltins(app.ctx.db, knownPermissions(app))
  })

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request)
    const area = areaOf(path)
    if (!area || request.routeOptions.url === undefined) return
    const config = request.routeOptions.config
    if (!declared(request.routeOptions)) {
      request.log.error(
        { url: request.routeOptions.url, method: request.method },
        'route under /admin or /api/v1 declares neither config.permission nor config.public; refused',
      )
      return reply.code(500).send({ error: 'internal_error', message: 'This route declares no permission' })
    }

    if (area === 'api') {
      request.admin = await fromApiKey(app, request)
      if (config.public) return
      if (!request.admin) {
        reply.header('WWW-Authenticate', 'Bearer')
        throw new UnauthorizedError('A valid API key is required: Authorization: Bearer <key>')
      }
      if (!request.admin.permissions.has(config.permission!)) {
        throw new ForbiddenError(`This API key lacks the permission ${config.permission}`)
      }
      return
    }

    const found = await fromSession(app, request)
    if (config.public) {
      if (found?.session.mfaPassed) request.admin = found.principal
      return
    }
    if (!found) return sendToLogin(request, reply, `${LOGIN_PATH}?next=${encodeURIComponent(request.url)}`)
    if (!found.session.mfaPassed) {
      if (path === MFA_PATH || path === LOGOUT_PATH) {
        request.admin = found.principal
        return
      }
      return sendToLogin(request, reply, MFA_PATH)
    }
    request.admin = found.principal
    if (
      found.account.require2fa &&
      !found.account.hasTotp &&
      !path.startsWith(ENROL_PATH) &&
      path !== LOGOUT_PATH
    ) {
      return sendToLogin(request, reply, ENROL_PATH)
    }
    if (!request.admin.permissions.has(config.permission!)) {
      throw new ForbiddenError(`You need the permission "${config.permission}" for this page`)
    }
  })

  // Panel forms (cookie-authenticated) must carry the CSRF token: `_csrf` in the body or X-CSRF-Token.
  app.addHook('preHandler', (request, reply, done) => {
    if (
      !UNSAFE.has(request.method) ||
      areaOf(pathOf(request)) !== 'admin' ||
      request.routeOptions.url === undefined
    ) {
      return done()
    }
    app.csrfProtection(request, reply, done)
  })
}
