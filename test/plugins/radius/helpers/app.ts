// The real app on a test database with the RADIUS plugin listening on 127.0.0.1 (free ports), a NAS for
// 127.0.0.1, and customers, plans and internet services made through core's own functions.
import { createCustomer } from '../../../../core/customers/service.ts'
import { partners } from '../../../../core/partners/schema.ts'
import { systemActor } from '../../../../core/partners/scope.ts'
import { createPlan } from '../../../../core/plans/service.ts'
import { createService } from '../../../../core/services/service.ts'
import { createRadiusPlugin } from '../../../../plugins/radius/index.ts'
import { createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { type TestApp, testApp } from '../../../helpers/app.ts'

export const NAS_SECRET = 'nas-secret-1'

/** The plugin as the tests run it: listening on 127.0.0.1, free ports, panel changes picked up fast. */
export const testRadiusPlugin = () =>
  createRadiusPlugin({
    listener: { host: '127.0.0.1', authPort: 0, acctPort: 0 },
    changePollMs: 50,
  })

export async function radiusApp(t: { teardown: (fn: () => unknown) => void }) {
  const plugin = testRadiusPlugin()
  const ctx = await testApp({ plugins: [plugin] })
  t.teardown(ctx.close)
  return seedRadius(ctx, plugin)
}

/** The NAS, partner, plan and admin API key of an app started with the plugin. */
export async function seedRadius<C extends TestApp>(ctx: C, plugin: ReturnType<typeof createRadiusPlugin>) {
  const { app } = ctx
  const db = app.ctx.db
  const runtime = plugin.state.runtime
  if (!runtime) throw new Error(`RADIUS did not start: ${plugin.state.notListening}`)

  const boss = await createAdmin(db, {})
  const apiKey = await createApiKey(db, boss.id, [
    'radius.nas.view',
    'radius.nas.manage',
    'radius.sessions.view',
    'radius.sessions.disconnect',
    'radius.authlog.view',
    'radius.topups.buy',
    'customers.manage',
    'customers.view',
    'customers.edit',
    'services.manage',
    'services.view',
    'plans.manage',
    'plans.view',
  ])
  const headers = { authorization: `Bearer ${apiKey}` }
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })

  const nasResponse = await call('POST', '/api/v1/radius/nas', {
    name: 'Local BRAS',
    ipAddress: '127.0.0.1',
    secret: NAS_SECRET,
    type: 'mikrotik',
  })
  if (nasResponse.statusCode !== 201) throw new Error(nasResponse.body)
  const nas = nasResponse.json() as { id: number }

  const [main] = await db.insert(partners).values({ name: 'Main ISP' }).returning()
  const plan = await createPlan(db, app.ctx, systemActor, {
    type: 'internet',
    name: 'Fiber 100',
    price: '200',
    downloadKbps: 102400,
    uploadKbps: 25600,
    priority: 8,
  })
  let n = 0
  /** A customer with one active internet service. */
  const subscriber = async (login: string, password: string, extra: Record<string, unknown> = {}) => {
    n++
    const customer = await createCustomer(db, app.ctx, systemActor, {
      name: `Customer ${login}`,
      login: `c-${login}-${n}`,
      partnerId: main!.id,
      status: 'active',
    })
    const service = await createService(db, app.ctx, systemActor, customer.id, {
      planId: plan.id,
      login,
      password,
      ...extra,
    })
    await runtime.whenFresh()
    return { customer, service }
  }
  return {
    ...ctx,
    plugin,
    runtime,
    nas,
    plan,
    partnerId: main!.id,
    subscriber,
    call,
    headers,
    ports: runtime.ports,
  }
}
