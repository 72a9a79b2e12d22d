import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { and, eq, isNull, ne } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { auditContext, recordAudit } from '../../audit/service.ts'
import { ValidationError } from '../../kernel/errors.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { ENROL_PATH } from '../guard.ts'
import { hashPassword, passwordProblem, verifyPassword } from '../passwords.ts'
import { SIGNED_IN } from '../permissions.ts'
import { loadAccount } from '../principal.ts'
import { adminSessions, admins } from '../schema.ts'
import { getAdmin } from '../service.ts'
import { listSessions, revokeSession } from '../sessions.ts'
import {
  confirmEnrolment,
  disableTotp,
  regenerateRecoveryCodes,
  remainingRecoveryCodes,
  resumeEnrolment,
  startEnrolment,
} from '../totp.ts'

const self = { permission: SIGNED_IN }
const PROFILE = 'ui/views/pages/admins/profile.eta'
const TWO_FA = 'ui/views/pages/auth/enrol-2fa.eta'
const CODES = 'ui/views/pages/auth/recovery-codes.eta'

/** The signed-in admin's own account: details, password, sessions and two-factor authentication. */
export async function profileRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db, clock, config } = app.ctx

  async function profilePage(
    adminId: number,
    sessionId: string | undefined,
    extra: Record<string, unknown> = {},
  ) {
    // One query at a time: the embedded database serves a single connection.
    const admin = await getAdmin(db, adminId)
    const sessions = await listSessions(db, adminId, clock.now(), config.SESSION_IDLE_MINUTES)
    const recoveryLeft = await remainingRecoveryCodes(db, adminId)
    return {
      title: 'My profile',
      account: admin,
      sessions,
      currentSessionId: sessionId,
      recoveryLeft,
      ...extra,
    }
  }

  app.get('/admin/profile', { config: self, schema: { hide: true } }, async (request, reply) => {
    const admin = request.admin!
    return render(reply, PROFILE, await profilePage(admin.id, admin.sessionId))
  })

  app.post(
    '/admin/profile/password',
    {
      config: self,
      schema: {
        hide: true,
        body: Type.Object({
          current: Type.String({ default: '' }),
          password: Type.String({ default: '' }),
          confirm: Type.String({ default: '' }),
        }),
      },
    },
    async (request, reply) => {
      const me = request.admin!
      const { current, password, confirm } = request.body
      const errors: { field: string; message: string }[] = []
      const [row] = await db.select({ hash: admins.passwordHash }).from(admins).where(eq(admins.id, me.id))
      if (!row || !(await verifyPassword(row.hash, current)))
        errors.push({ field: 'current', message: 'is not your current password' })
      const problem = passwordProblem(password, me.login)
      if (problem) errors.push({ field: 'password', message: problem })
      else if (password !== confirm)
        errors.push({ field: 'confirm', message: 'does not match the new password' })
      if (errors.length) {
        return render(
          reply.code(400),
          PROFILE,
          await profilePage(me.id, me.sessionId, { passwordErrors: fieldErrors(errors) }),
        )
      }
      const hash = await hashPassword(password)
      const now = clock.now()
      await db.transaction(async (tx) => {
        await tx.update(admins).set({ passwordHash: hash }).where(eq(admins.id, me.id))
        // Other sessions end: whoever else held this password is signed out.
        await tx
          .update(adminSessions)
          .set({ revokedAt: now })
          .where(
            and(
              eq(adminSessions.adminId, me.id),
              isNull(adminSessions.revokedAt),
              ne(adminSessions.id, me.sessionId ?? ''),
            ),
          )
        await recordAudit(tx, {
          ...auditContext(request),
          action: 'admin.password_change',
          entity: 'admin',
          entityId: me.id,
        })
      })
      flash(reply, 'success', 'Your password was changed; your other sessions were signed out.')
      return reply.redirect('/admin/profile', 303)
    },
  )

  app.post(
    '/admin/profile/sessions/revoke',
    {
      config: self,
      schema: { hide: true, body: Type.Object({ sessionId: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) },
    },
    async (request, reply) => {
      const me = request.admin!
      const revoked = await revokeSession(db, request.body.sessionId, clock.now(), me.id)
      if (revoked) {
        await recordAudit(db, {
          ...auditContext(request),
          action: 'admin.session_revoke',
          entity: 'admin',
          entityId: me.id,
        })
        flash(reply, 'success', 'The session was signed out.')
      } else flash(reply, 'error', 'That session had already ended.')
      return reply.redirect(request.body.sessionId === me.sessionId ? '/admin/login' : '/admin/profile', 303)
    },
  )

  // Two-factor authentication. These paths stay reachable while a role's 2FA requirement is unmet.
  app.get(ENROL_PATH, { config: self, schema: { hide: true } }, async (request, reply) => {
    const me = request.admin!
    const account = await loadAccount(db, me.id)
    if (account?.hasTotp) {
      return render(reply, TWO_FA, {
        title: 'Two-factor authentication',
        enabled: true,
        recoveryLeft: await remainingRecoveryCodes(db, me.id),
      })
    }
    const enrolment = await startEnrolment(app.ctx, me.login)
    return render(reply, TWO_FA, {
      title: 'Set up two-factor authentication',
      enabled: false,
      enrolment,
      required: account?.require2fa,
    })
  })

  app.post(
    ENROL_PATH,
    {
      config: self,
      schema: {
        hide: true,
        body: Type.Object({
          sealed: Type.String({ maxLength: 500 }),
          code: Type.String({ maxLength: 20, default: '' }),
        }),
      },
    },
    async (request, reply) => {
      const me = request.admin!
      try {
        const codes = await confirmEnrolment(
          db,
          app.ctx,
          { adminId: me.id, sealed: request.body.sealed, code: request.body.code },
          auditContext(request),
        )
        return render(reply, CODES, { title: 'Recovery codes', codes, justEnabled: true })
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        const enrolment = await resumeEnrolment(app.ctx, me.login, request.body.sealed).catch(() =>
          startEnrolment(app.ctx, me.login),
        )
        return render(reply.code(400), TWO_FA, {
          title: 'Set up two-factor authentication',
          enabled: false,
          enrolment,
          errors: fieldErrors(err),
        })
      }
    },
  )

  app.post(
    `${ENROL_PATH}/disable`,
    {
      config: self,
      schema: { hide: true, body: Type.Object({ code: Type.String({ maxLength: 40, default: '' }) }) },
    },
    async (request, reply) => {
      const me = request.admin!
      const account = await loadAccount(db, me.id)
      if (account?.require2fa) {
        flash(reply, 'error', 'Your role requires two-factor authentication; it cannot be turned off.')
        return reply.redirect(ENROL_PATH, 303)
      }
      try {
        await disableTotp(db, app.ctx, { adminId: me.id, code: request.body.code }, auditContext(request))
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), TWO_FA, {
          title: 'Two-factor authentication',
          enabled: true,
          recoveryLeft: await remainingRecoveryCodes(db, me.id),
          errors: fieldErrors(err),
        })
      }
      flash(reply, 'success', 'Two-factor authentication is off.')
      return reply.redirect('/admin/profile', 303)
    },
  )

  app.post(
    `${ENROL_PATH}/recovery-codes`,
    {
      config: self,
      schema: { hide: true, body: Type.Object({ code: Type.String({ maxLength: 20, default: '' }) }) },
    },
    async (request, reply) => {
      const me = request.admin!
      try {
        const codes = await regenerateRecoveryCodes(
          db,
          app.ctx,
          { adminId: me.id, code: request.body.code },
          auditContext(request),
        )
        return render(reply, CODES, { title: 'Recovery codes', codes, justEnabled: false })
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), TWO_FA, {
          title: 'Two-factor authentication',
          enabled: true,
          recoveryLeft: await remainingRecoveryCodes(db, me.id),
          regenErrors: fieldErrors(err),
        })
      }
    },
  )
}
