// Creates an admin, or resets the password (and role) of an existing one:
//   npm run create-admin -- --login jane --password '...' --role super_admin [--name "Jane Doe"] [--email jane@isp.example]
import { parseArgs } from 'node:util'
import { eq, sql } from 'drizzle-orm'
import { loadConfig } from '../config/index.ts'
import { openDatabase } from '../db/open.ts'
import { runMigrations } from '../db/migrate.ts'
import { coreModules } from '../core/modules.ts'
import { loadPlugins } from '../core/kernel/plugins/load.ts'
import { BUILTIN_KEYS, type BuiltinRoleKey } from '../core/admins/builtin-roles.ts'
import { ensureBuiltins } from '../core/admins/roles.ts'
import { admins, roles } from '../core/admins/schema.ts'
import { createAdmin, updateAdmin } from '../core/admins/service.ts'
import type { ChangeContext } from '../core/admins/audit-context.ts'
import { ValidationError } from '../core/kernel/errors.ts'

const usage = `Usage: npm run create-admin -- --login <login> --password <password> [--role <role>] [--name <name>] [--email <email>]
  --role   a built-in role (${BUILTIN_KEYS.join(', ')}) or the name of a custom role; default super_admin
  When the login exists, its password (and role, when given) is reset and the admin is re-activated.`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      login: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || !values.login || !values.password) {
    console.error(usage)
    return values.help ? 0 : 64
  }
  const config = loadConfig()
  const database = await openDatabase(config)
  try {
    await runMigrations(database.url)
    const { db } = database
    const definitions = [...coreModules, ...(await loadPlugins(config.plugins))]
    await ensureBuiltins(db, [...new Set(definitions.flatMap((d) => d.permissions ?? []))])
    const roleName = values.role ?? 'super_admin'
    const [role] = await db
      .select()
      .from(roles)
      .where(
        BUILTIN_KEYS.includes(roleName as BuiltinRoleKey)
          ? eq(roles.builtin, roleName)
          : sql`lower(${roles.name}) = lower(${roleName})`,
      )
    if (!role) {
      console.error(`No role "${roleName}". Built-in roles: ${BUILTIN_KEYS.join(', ')}`)
      return 65
    }
    const change: ChangeContext = { actor: { type: 'system', id: null, name: 'create-admin (CLI)' } }
    const [existing] = await db
      .select({ id: admins.id })
      .from(admins)
      .where(sql`lower(${admins.login}) = lower(${values.login})`)
    if (existing) {
      await updateAdmin(
        db,
        existing.id,
        {
          password: values.password,
          active: true,
          ...(values.role ? { roleId: role.id } : {}),
          ...(values.name ? { name: values.name } : {}),
        },
        change,
      )
      console.log(`Admin "${values.login}" updated: new password${values.role ? `, role ${role.name}` : ''}.`)
    } else {
      const admin = await createAdmin(
        db,
        {
          login: values.login,
          password: values.password,
          name: values.name ?? values.login,
          email: values.email ?? null,
          roleId: role.id,
        },
        change,
      )
      console.log(`Admin "${admin.login}" created with the role ${role.name}.`)
    }
    return 0
  } catch (err) {
    if (err instanceof ValidationError) {
      for (const f of err.fields) console.error(`--${f.field}: ${f.message}`)
      return 65
    }
    throw err
  } finally {
    await database.close()
  }
}

process.exitCode = await main()
