/** Disconnecting one session by hand (panel kick button, API): recorded and audited. */
import type { FastifyRequest } from 'fastify'
import type { Sql } from 'postgres'
import {
  auditContext,
  NotFoundError,
  type PluginContext,
  recordAudit,
  StateError,
} from '../../../core/plugin-api.ts'
import type { RadiusState } from '../state.ts'
import { type CoaOutcome, onlineSessions, sendToSessions } from './coa.ts'
import { getSession } from './sessions.ts'

export async function disconnectSession(
  ctx: PluginContext,
  state: RadiusState,
  request: FastifyRequest,
  id: number,
): Promise<CoaOutcome> {
  const sql = ctx.sql as Sql
  const session = await getSession(sql, id, request.admin?.partnerIds ?? null)
  if (!session) throw new NotFoundError('Session', id)
  const [online] = await onlineSessions(sql, { sessionIds: [id] })
  if (!online) throw new StateError('The session is no longer online')
  const audit = auditContext(request)
  const [outcome] = await state.withCoa(ctx, (deps) =>
    sendToSessions(
      deps,
      [online],
      { kind: 'disconnect' },
      `manual:${audit.at.getTime()}:${audit.actor.id ?? 0}`,
      'manual',
    ),
  )
  await recordAudit(ctx.db, {
    actor: audit.actor,
    action: 'radius.session.disconnect',
    entity: 'radius_session',
    entityId: id,
    before: { userName: session.userName, acctSessionId: session.acctSessionId, nasId: session.nasId },
    after: outcome ?? null,
    ip: audit.ip,
    at: audit.at,
  })
  if (!outcome) throw new StateError('The session is no longer online')
  return outcome
}
