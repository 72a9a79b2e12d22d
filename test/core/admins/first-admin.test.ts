import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { eq } from 'drizzle-orm'
import { ensureFirstAdmin } from '../../../core/admins/first-admin.ts'
import { verifyPassword } from '../../../core/admins/passwords.ts'
import { admins, roles } from '../../../db/schema.ts'
import { testDatabase } from '../../helpers/db.ts'
import { TEST_INSTANCE_KEY } from '../../helpers/app.ts'

const run = promisify(execFile)
// Each CLI run starts a Node process with tsx: slow on a loaded machine.
t.setTimeout(300_000)
const root = resolve(import.meta.dirname, '../../..')

t.test('ensureFirstAdmin creates one super admin on an empty installation, once', async (t) => {
  const database = await testDatabase()
  t.teardown(database.close)
  const first = await ensureFirstAdmin(database.db)
  t.ok(first)
  t.equal(first!.login, 'admin')
  t.ok(first!.password.length >= 20, 'a strong random password')
  const [row] = await database.db.select().from(admins).innerJoin(roles, eq(roles.id, admins.roleId))
  t.equal(row!.roles.builtin, 'super_admin')
  t.ok(await verifyPassword(row!.admins.passwordHash, first!.password), 'the printed password works')
  t.equal(await ensureFirstAdmin(database.db), null, 'nothing happens when an admin exists')
  t.equal((await database.db.select().from(admins)).length, 1)
})

t.test('npm run create-admin creates an admin and resets a password', async (t) => {
  const database = await testDatabase()
  t.teardown(database.close)
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    INSTANCE_KEY: TEST_INSTANCE_KEY,
    PLUGINS: '',
    LOG_LEVEL: 'silent',
  }
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import=tsx', 'scripts/create-admin.ts', ...args], { cwd: root, env })
  const made = await cli(
    '--login',
    'frank',
    '--password',
    'a-long-password-1',
    '--role',
    'manager',
    '--name',
    'Frank',
  )
  t.match(made.stdout, 'Admin "frank" created with the role Manager')
  const [frank] = await database.db.select().from(admins).where(eq(admins.login, 'frank'))
  t.equal(frank!.name, 'Frank')
  t.ok(await verifyPassword(frank!.passwordHash, 'a-long-password-1'))
  const reset = await cli('--login', 'frank', '--password', 'another-password-2')
  t.match(reset.stdout, 'updated')
  const [after] = await database.db.select().from(admins).where(eq(admins.login, 'frank'))
  t.ok(await verifyPassword(after!.passwordHash, 'another-password-2'))
  t.equal(after!.roleId, frank!.roleId, 'the role stays when not given')
  const bad = await cli('--login', 'x y', '--password', 'short').catch(
    (e: { code: number; stderr: string }) => e,
  )
  t.equal((bad as { code: number }).code, 65)
  t.match((bad as { stderr: string }).stderr, '--login: 2-64 characters')
})
