import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CustomerPrincipal } from '../kernel/auth-types.ts'
import { UnauthorizedError } from '../kernel/errors.ts'
import { resumePortalSession } from './sessions.ts'

export const PORTAL_COOKIE = 'uplink_portal'
export const PORTAL_LOGIN_PATH = '/portal/login'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!

export function isPortalPath(path: string): boolean {
  return path === '/portal' || path.startsWith('/portal/')
}

/** The session token of the request's portal cookie, if its signature is valid. */
export function portalToken(request: FastifyRequest): string | null {
  const raw = request.cookies[PORTAL_COOKIE]
  if (!raw) return null
  const unsigned = request.unsignCookie(raw)
  return unsigned.valid && unsigned.value ? unsigned.value : null
}

/** The signed-in customer of a portal route (the guard has already turned others away). */
export function currentCustomer(request: FastifyRequest): CustomerPrincipal {
  if (!request.customer) throw new UnauthorizedError('Please sign in to the customer portal')
  return request.customer
}

function toLogin(request: FastifyRequest, reply: FastifyReply) {
  const target = request.method === 'GET' && pathOf(request) !== '/portal' && pathOf(request) !== '/portal/'
    ? `${PORTAL_LOGIN_PATH}?next=${encodeURIComponent(request.url)}`
    : PORTAL_LOGIN_PATH
  if (request.headers['hx-request'] === 'true') {
    reply.header('HX-Redirect', target)
    return reply.code(401).send({ error: 'unauthorized', message: 'Please sign in again' })
  }
  if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect(target, 303)
  throw new UnauthorizedError('Your session has ended; please sign in again')
}

/**
 * Installs the customer portal guard on the root instance (before routes are registered): every
 * /portal route gets request.customer from the portal session cookie; routes without
 * `config: { public: true }` send visitors who are not signed in to the login page. Portal forms
 * must carry the CSRF token (`_csrf` or X-CSRF-Token), as panel forms do.
 */
export function installPortalGuard(app: FastifyInstance): void {
  if (!app.hasRequestDecorator('customer')) app.decorateRequest('customer', null)

  app.addHook('onRequest', async (request, reply) => {
    if (!isPortalPath(pathOf(request)) || request.routeOptions.url === undefined) return
    const token = portalToken(request)
    const { db, clock, config } = app.ctx
    const found = token ? await resumePortalSession(db, token, clock.now(), config.SESSION_IDLE_MINUTES) : null
    if (found) {
      const { sessionId: _sessionId, ...customer } = found
      request.customer = customer
      return
    }
    if (token) reply.clearCookie(PORTAL_COOKIE, { path: '/portal' })
    if (request.routeOptions.config.public) return
    return toLogin(request, reply)
  })

  app.addHook('preHandler', (request, reply, done) => {
    if (!UNSAFE.has(request.method) || !isPortalPath(pathOf(request)) || request.routeOptions.url === undefined) return done()
    app.csrfProtection(request, reply, done)
  })
}
