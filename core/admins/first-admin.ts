import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { recordAudit, SYSTEM_ACTOR } from '../audit/service.ts'
import { generatePassword, hashPassword } from './passwords.ts'
import { roleByBuiltin } from './roles.ts'
import { admins } from './schema.ts'

/**
 * On a fresh installation, creates the login `admin` (super administrator) with a random password and
 * returns that password, for the server to print once. Returns null when any admin exists. Takes an
 * advisory lock so two nodes starting together create one admin. `known` (the loaded modules'
 * permissions) shapes the built-in roles if they do not exist yet.
 */
export async function ensureFirstAdmin(
  db: DbOrTx,
  known: readonly string[] = [],
): Promise<{ login: string; password: string } | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7411101)`)
    const [any] = await tx.select({ id: admins.id }).from(admins).limit(1)
    if (any) return null
    const role = await roleByBuiltin(tx, 'super_admin', known)
    const password = generatePassword()
    const [row] = await tx
      .insert(admins)
      .values({
        login: 'admin',
        name: 'Administrator',
        passwordHash: await hashPassword(password),
        roleId: role.id,
      })
      .returning({ id: admins.id })
    await recordAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: 'admin.create',
      entity: 'admin',
      entityId: row!.id,
      after: { login: 'admin', role: role.name },
    })
    return { login: 'admin', password }
  })
}
