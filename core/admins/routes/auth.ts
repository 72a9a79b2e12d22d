import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { recordAudit } from '../../audit/service.ts'
import { TooManyRequestsError } from '../../kernel/errors.ts'
import { render } from '../../kernel/views.ts'
import { LOGIN_PATH, MFA_PATH, SESSION_COOKIE } from '../guard.ts'
import { recordFailure } from '../lockout.ts'
import { checkPassword } from '../login.ts'
import { SIGNED_IN } from '../permissions.ts'
import { SESSION_ABSOLUTE_MS, createSession, markMfaPassed, revokeSession, sha256 } from '../sessions.ts'
import { checkSecondFactor } from '../totp.ts'
import { LoginBody, LoginQuery } from '../../kernel/login-form.ts'

const html = Type.String({ description: 'HTML page' })
const LOGIN_TEMPLATE = 'ui/views/pages/auth/login.eta'
const MFA_TEMPLATE = 'ui/views/pages/auth/2fa.eta'
const WRONG = 'Wrong login or password.'

/** Where to go after signing in: only paths inside the panel, never another site. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/admin') || next.startsWith('//') || next.includes('\\'))
    return '/admin'
  if (next.startsWith(LOGIN_PATH)) return '/admin'
  return next
}

const untilText = (until: Date, now: Date) =>
  `${Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000))} minutes`

/** 10 attempts a minute per address, whatever the login. */
export const LOGIN_RATE_LIMIT = {
  max: 10,
  timeWindow: '1 minute',
  errorResponseBuilder: (_req: FastifyRequest, ctx: { after: string }) =>
    new TooManyRequestsError(`Too many sign-in attempts from your address. Try again in ${ctx.after}.`),
}

function sessionCookie(app: FastifyInstance) {
  return {
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure: app.ctx.config.NODE_ENV === 'production',
    maxAge: SESSION_ABSOLUTE_MS / 1000,
  }
}

/** The session id of the request's cookie, if its signature is valid. */
function cookieToken(request: FastifyRequest): string | null {
  const raw = request.cookies[SESSION_COOKIE]
  if (!raw) return null
  const unsigned = request.unsignCookie(raw)
  return unsigned.valid && unsigned.value ? unsigned.value : null
}

async function endSession(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  action: string,
) {
  const { db, clock } = app.ctx
  const token = cookieToken(request)
  if (token) {
    const revoked = await revokeSession(db, sha256(token), clock.now())
    if (revoked) {
      await recordAudit(db, {
        actor: { type: 'admin', id: revoked.adminId, name: request.admin?.login ?? null },
        ip: request.ip,
        at: clock.now(),
        action,
        entity: 'admin',
        entityId: revoked.adminId,
      })
    }
  }
  reply.clearCookie(SESSION_COOKIE, { path: '/' })
}

export async function authRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db, clock } = app.ctx

  app.get(
    LOGIN_PATH,
    {
      config: { public: true },
      schema: {
        hide: true,
        querystring: LoginQuery,
        response: { 200: html },
      },
    },
    async (request, reply) => {
      if (request.admin) return reply.redirect(safeNext(request.query.next), 303)
      return render(reply, LOGIN_TEMPLATE, { title: 'Sign in', values: { next: request.query.next ?? '' } })
    },
  )

  app.post(
    LOGIN_PATH,
    {
      config: { public: true, rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        hide: true,
        body: LoginBody,
      },
    },
    async (request, reply) => {
      const { login, password, next } = request.body
      const now = clock.now()
      const again = (status: number, message: string) =>
        render(reply.code(status), LOGIN_TEMPLATE, {
          title: 'Sign in',
          error: message,
          values: { login, next: next ?? '' },
        })
      if (!login.trim() || !password) return again(400, 'Enter your login and password.')
      const result = await checkPassword(db, login, password, now)
      if (!result.ok) {
        await recordAudit(db, {
          actor: { type: 'admin', id: null, name: login.trim().slice(0, 100) },
          ip: request.ip,
          at: now,
          action: result.reason === 'locked' ? 'admin.login_locked' : 'admin.login_failed',
          entity: 'admin',
        })
        if (result.reason === 'locked') {
          return again(
            429,
            `Too many failed attempts for this login. It is locked; try again in ${untilText(result.until, now)}.`,
          )
        }
        return again(401, WRONG)
      }
      const old = cookieToken(request)
      if (old) {
        await revokeSession(db, sha256(old), now)
      }
      const session = await createSession(db, {
        adminId: result.adminId,
        mfaPassed: !result.hasTotp,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        now,
      })
      reply.setCookie(SESSION_COOKIE, session.token, sessionCookie(app))
      await recordAudit(db, {
        actor: { type: 'admin', id: result.adminId, name: result.login },
        ip: request.ip,
        at: now,
        action: result.hasTotp ? 'admin.login_password' : 'admin.login',
        entity: 'admin',
        entityId: result.adminId,
      })
      const target = safeNext(next)
      return reply.redirect(result.hasTotp ? `${MFA_PATH}?next=${encodeURIComponent(target)}` : target, 303)
    },
  )

  app.get(
    MFA_PATH,
    {
      config: { permission: SIGNED_IN },
      schema: {
        hide: true,
        querystring: LoginQuery,
        response: { 200: html },
      },
    },
    async (request, reply) => {
      return render(reply, MFA_TEMPLATE, {
        title: 'Two-factor authentication',
        values: { next: request.query.next ?? '' },
      })
    },
  )

  app.post(
    MFA_PATH,
    {
      config: { permission: SIGNED_IN, rateLimit: LOGIN_RATE_LIMIT },
      schema: {
        hide: true,
        body: Type.Object({
          code: Type.String({ maxLength: 40, default: '' }),
          next: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
      },
    },
    async (request, reply) => {
      const admin = request.admin!
      const now = clock.now()
      const { code, next } = request.body
      const kind = code.trim() ? await checkSecondFactor(db, app.ctx, admin.id, code) : null
      if (!kind) {
        const lock = await recordFailure(db, admin.login, now)
        await recordAudit(db, {
          actor: { type: 'admin', id: admin.id, name: admin.login },
          ip: request.ip,
          at: now,
          action: 'admin.login_2fa_failed',
          entity: 'admin',
          entityId: admin.id,
        })
        if (lock) {
          await endSession(app, request, reply, 'admin.logout')
          return render(reply.code(429), LOGIN_TEMPLATE, {
            title: 'Sign in',
            error: `Too many wrong codes. This login is locked; try again in ${untilText(lock, now)}.`,
            values: { login: admin.login },
          })
        }
        return render(reply.code(401), MFA_TEMPLATE, {
          title: 'Two-factor authentication',
          error: 'That code is not valid (a code can only be used once).',
          values: { next: next ?? '' },
        })
      }
      await markMfaPassed(db, admin.sessionId!)
      await recordAudit(db, {
        actor: { type: 'admin', id: admin.id, name: admin.login },
        ip: request.ip,
        at: now,
        action: kind === 'recovery' ? 'admin.login_recovery_code' : 'admin.login',
        entity: 'admin',
        entityId: admin.id,
      })
      return reply.redirect(safeNext(next), 303)
    },
  )

  app.post(
    '/admin/logout',
    { config: { permission: SIGNED_IN }, schema: { hide: true } },
    async (request, reply) => {
      await endSession(app, request, reply, 'admin.logout')
      return reply.redirect(LOGIN_PATH, 303)
    },
  )
}
