import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { recordAudit } from '../audit/service.ts'
import { verifyPortalPassword } from '../customers/service.ts'
import { TooManyRequestsError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { render } from '../kernel/views.ts'
import { PORTAL_COOKIE, portalToken } from './guard.ts'
import { PORTAL_SESSION_ABSOLUTE_MS, createPortalSession, revokePortalSession } from './sessions.ts'
import { LoginBody, LoginQuery } from '../kernel/login-form.ts'

const LOGIN_TEMPLATE = 'ui/views/pages/portal/login.eta'
const WRONG = 'Wrong login or password.'

/** 10 attempts a minute per address. */
export const PORTAL_LOGIN_RATE_LIMIT = {
  max: 10,
  timeWindow: '1 minute',
  errorResponseBuilder: (_req: FastifyRequest, ctx: { after: string }) =>
    new TooManyRequestsError(`Too many sign-in attempts from your address. Try again in ${ctx.after}.`),
}

/** Where to go after signing in: only pages of the portal, never another site. */
export function safePortalNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/portal(\/|$|\?)/.test(next) || next.includes('\\') || next.startsWith('/portal/login')) {
    return '/portal'
  }
  return next
}

/** Sign in and out of the customer portal (mounted under /portal). */
export async function portalAuthRoutes(root: FastifyInstance, ctx: PluginContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db, clock, config } = ctx
  const cookieOptions = {
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/portal',
    secure: config.NODE_ENV === 'production',
    maxAge: PORTAL_SESSION_ABSOLUTE_MS / 1000,
  }

  app.get(
    '/login',
    { config: { public: true }, schema: { hide: true, querystring: LoginQuery } },
    async (request, reply) => {
      if (request.customer) return reply.redirect(safePortalNext(request.query.next), 303)
      return render(reply, LOGIN_TEMPLATE, { title: 'Sign in', values: { next: request.query.next ?? '' } })
    },
  )

  app.post(
    '/login',
    {
      config: { public: true, rateLimit: PORTAL_LOGIN_RATE_LIMIT },
      schema: {
        hide: true,
        body: LoginBody,
      },
    },
    async (request, reply) => {
      const { password, next } = request.body
      const login = request.body.login.trim()
      const now = clock.now()
      const again = (status: number, message: string) =>
        render(reply.code(status), LOGIN_TEMPLATE, { title: 'Sign in', error: message, values: { login, next: next ?? '' } })
      if (!login || !password) return again(400, 'Enter your login and password.')
      const customer = await verifyPortalPassword(db, login, password)
      if (!customer) {
        await recordAudit(db, {
          actor: { type: 'customer', id: null, name: login.slice(0, 100) },
          ip: request.ip,
          at: now,
          action: 'customer.portal_login_failed',
          entity: 'customer',
        })
        return again(401, WRONG)
      }
      const old = portalToken(request)
      if (old) await revokePortalSession(db, old, now)
      const token = await createPortalSession(db, customer.id, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null, now })
      reply.setCookie(PORTAL_COOKIE, token, cookieOptions)
      await recordAudit(db, {
        actor: { type: 'customer', id: customer.id, name: customer.login },
        ip: request.ip,
        at: now,
        action: 'customer.portal_login',
        entity: 'customer',
        entityId: customer.id,
      })
      return reply.redirect(safePortalNext(next), 303)
    },
  )

  app.post('/logout', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const token = portalToken(request)
    const now = clock.now()
    if (token) {
      const customerId = await revokePortalSession(db, token, now)
      if (customerId !== null) {
        await recordAudit(db, {
          actor: { type: 'customer', id: customerId, name: request.customer?.login ?? null },
          ip: request.ip,
          at: now,
          action: 'customer.portal_logout',
          entity: 'customer',
          entityId: customerId,
        })
      }
    }
    reply.clearCookie(PORTAL_COOKIE, { path: '/portal' })
    return reply.redirect('/portal/login', 303)
  })
}
