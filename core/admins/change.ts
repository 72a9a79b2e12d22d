import { eq } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import { auditContext } from '../audit/service.ts'
import type { ChangeContext } from './audit-context.ts'
import { roles } from './schema.ts'

/** The change context of a request by an admin: audit actor, address, time, and the role patterns that bound what they may grant. */
export async function changeFrom(request: FastifyRequest): Promise<ChangeContext> {
  const admin = request.admin
  if (!admin) return auditContext(request)
  const [role] = await request.server.ctx.db
    .select({ permissions: roles.permissions })
    .from(roles)
    .where(eq(roles.id, admin.roleId))
  return { ...auditContext(request), actorPatterns: role?.permissions ?? [] }
}
