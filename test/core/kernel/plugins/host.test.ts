import t from 'tap'
import { loadConfig } from '../../../../config/index.ts'
import { buildApp } from '../../../../core/app.ts'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { definePlugin, type PluginDefinition } from '../../../../core/kernel/plugins/define.ts'
import { PluginHost } from '../../../../core/kernel/plugins/host.ts'
import { loadPlugins } from '../../../../core/kernel/plugins/load.ts'
import { Type } from 'typebox'
import example from '../../../fixtures/plugins/example/index.ts'
import { TEST_INSTANCE_KEY } from '../../../helpers/app.ts'
import { testDatabase } from '../../../helpers/db.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  INSTANCE_KEY: TEST_INSTANCE_KEY,
  DATA_DIR: '/nonexistent',
  PLUGINS: '',
})

async function boot(plugins: PluginDefinition[], stored?: Record<string, unknown>) {
  const database = await testDatabase()
  if (stored) {
    for (const [key, value] of Object.entries(stored)) {
      await database.sql`insert into settings (key, value) values (${key}, ${JSON.stringify(value)}::jsonb)`
    }
  }
  try {
    const app = await buildApp({ config, database, clock: new ManualClock('2026-01-15T10:00:00Z'), plugins })
    await app.close()
  } finally {
    await database.close()
  }
}

t.test('bad stored plugin settings refuse to boot, naming the plugin and the field', async (t) => {
  await t.rejects(boot([example], { 'plugin:example': { pingLimit: 99, mode: 'shout' } }), {
    name: 'PluginError',
    message:
      /Plugin "example" has invalid settings \(stored under "plugin:example"\): pingLimit must be at most 10; mode must be one of quiet, loud/,
  })
  await t.rejects(boot([example], { 'core:settings': { timeZone: 'Mars/Olympus' } }), {
    message: /Plugin "core:settings" has invalid settings.*timeZone is not a known time zone/,
  })
  await t.resolves(boot([example], { 'plugin:example': { pingLimit: 5 } }), 'valid settings boot')
})

t.test('plugin definitions are checked', async (t) => {
  const ctx = {} as never
  t.throws(() => new PluginHost(ctx, [example, { ...example }]), {
    message: 'Plugin "example" is loaded twice: plugin names must be unique',
  })
  t.throws(() => new PluginHost(ctx, [definePlugin({ name: 'Bad Name' })]), {
    message: /Plugin name "Bad Name" is invalid/,
  })
  t.throws(
    () =>
      new PluginHost(ctx, [
        definePlugin({
          name: 'nodefault',
          settings: Type.Object({ apiKey: Type.String(), port: Type.Integer({ default: 1 }) }),
        }),
      ]),
    {
      message:
        'Plugin "nodefault": settings field "apiKey" needs a default, so the plugin can boot before an admin configures it',
    },
  )
  t.throws(
    () =>
      new PluginHost(ctx, [
        definePlugin({ name: 'jobless', jobs: [{ name: 'x', every: '1 minute', file: './x.ts' }] }),
      ]),
    {
      message: /job "x" has a relative file ".\/x.ts" but the plugin has no `url`/,
    },
  )
  t.throws(
    () =>
      new PluginHost(ctx, [
        definePlugin({
          name: 'nofile',
          url: import.meta.url,
          jobs: [{ name: 'x', every: '1 minute', file: './missing.ts' }],
        }),
      ]),
    { message: /job "x" file not found/ },
  )
  t.throws(
    () =>
      new PluginHost(ctx, [
        definePlugin({
          name: 'nosched',
          url: import.meta.url,
          jobs: [{ name: 'x', file: './host.test.ts' }],
        }),
      ]),
    {
      message: 'Plugin "nosched": job "x" needs `every` or `cron`',
    },
  )
})

t.test('loadPlugins refuses unknown and duplicate plugin names', async (t) => {
  await t.rejects(loadPlugins(['no-such-plugin']), { message: /Unknown plugin "no-such-plugin"/ })
  await t.rejects(loadPlugins(['../etc']), { message: /is not a folder name/ })
  const dir = new URL('../../../fixtures/plugins', import.meta.url).pathname
  const [loaded] = await loadPlugins(['example'], dir)
  t.equal(loaded!.name, 'example')
  t.match(loaded!.url, /fixtures\/plugins\/example\/index\.ts$/)
  await t.rejects(loadPlugins(['example', 'example'], dir), { message: 'Plugin "example" is enabled twice' })
})

t.test('a plugin whose start fails stops those already started and names itself', async (t) => {
  const stopped: string[] = []
  const first = definePlugin({
    name: 'first',
    start: async () => {},
    stop: async () => void stopped.push('first'),
  })
  const broken = definePlugin({
    name: 'broken',
    start: async () => {
      throw new Error('port in use')
    },
    stop: async () => void stopped.push('broken'),
  })
  const database = await testDatabase()
  t.teardown(() => database.close())
  const app = await buildApp({
    config,
    database,
    clock: new ManualClock('2026-01-15T10:00:00Z'),
    plugins: [first, broken],
  })
  await t.rejects(
    async () => {
      await app.ready()
    },
    { message: 'Plugin "broken" failed to start: port in use' },
  )
  t.same(stopped, ['first'], 'the started plugin was stopped, the failed one was not')
})
