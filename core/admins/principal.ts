import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import type { AdminPrincipal } from '../kernel/auth-types.ts'
import { PermissionSet } from './permissions.ts'
import { adminPartners, admins, roles } from './schema.ts'

export interface AdminAccount {
  id: number
  login: string
  name: string
  roleId: number
  active: boolean
  rolePermissions: string[]
  require2fa: boolean
  hasTotp: boolean
  partnerIds: number[] | null
}

/** The admin, their role and partner limits, as the guard needs them. */
export async function loadAccount(db: DbOrTx, adminId: number): Promise<AdminAccount | null> {
  const [row] = await db
    .select({
      id: admins.id,
      login: admins.login,
      name: admins.name,
      roleId: admins.roleId,
      active: admins.active,
      totpSecret: admins.totpSecret,
      rolePermissions: roles.permissions,
      require2fa: roles.require2fa,
    })
    .from(admins)
    .innerJoin(roles, eq(roles.id, admins.roleId))
    .where(eq(admins.id, adminId))
  if (!row) return null
  const limits = await db
    .select({ id: adminPartners.partnerId })
    .from(adminPartners)
    .where(eq(adminPartners.adminId, adminId))
  const { totpSecret, ...rest } = row
  return {
    ...rest,
    hasTotp: totpSecret !== null,
    partnerIds: limits.length ? limits.map((l) => l.id).sort((a, b) => a - b) : null,
  }
}

/** The request principal; for an API key its permissions are the intersection of the key's and the owner's. */
export function principalOf(
  account: AdminAccount,
  known: readonly string[],
  via: { sessionId: string } | { apiKeyId: number; keyPermissions: string[] },
): AdminPrincipal {
  const layers = 'apiKeyId' in via ? [via.keyPermissions, account.rolePermissions] : [account.rolePermissions]
  return {
    id: account.id,
    login: account.login,
    name: account.name,
    roleId: account.roleId,
    permissions: new PermissionSet(layers, known),
    partnerIds: account.partnerIds,
    ...('apiKeyId' in via
      ? { via: 'apikey' as const, apiKeyId: via.apiKeyId }
      : { via: 'session' as const, sessionId: via.sessionId }),
  }
}
