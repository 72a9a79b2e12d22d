// Data caps are checked right after an accounting commit, without the radius:caps job: the interim that
// crosses the cap makes the NAS stand-in receive the CoA with the reduced rate and emits
// service.cap_reached; an interim under the cap only updates the counted bytes; a service whose plan has
// no cap is never checked.
import t from 'tap'
import { createCustomer } from '../../../../core/customers/service.ts'
import { partners } from '../../../../core/partners/schema.ts'
import { systemActor } from '../../../../core/partners/scope.ts'
import { createPlan } from '../../../../core/plans/service.ts'
import { createService } from '../../../../core/services/service.ts'
import { createRadiusPlugin } from '../../../../plugins/radius/index.ts'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import type { NamedAttribute } from '../../../../plugins/radius/protocol/dictionary.ts'
import { CapCheckQueue } from '../../../../plugins/radius/store/cap-queue.ts'
import { createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { testApp } from '../../../helpers/app.ts'
import { accountingRequest } from '../helpers/client.ts'
import { startNasStandIn } from '../helpers/nas-stand-in.ts'
import { exchange } from '../helpers/udp.ts'

const SECRET = 'nas-secret-caps'
const MiB = 1024 * 1024

const plugin = createRadiusPlugin({
  listener: { host: '127.0.0.1', authPort: 0, acctPort: 0 },
  changePollMs: 50,
  capCheckDelayMs: 0,
})
const ctx = await testApp({ plugins: [plugin] })
t.teardown(ctx.close)
const { app, clock } = ctx
const db = app.ctx.db
const sql = ctx.database.sql
const started = plugin.state.runtime
if (!started) throw new Error(`RADIUS did not start: ${plugin.state.notListening}`)
const runtime = started

const nas = await startNasStandIn({ secret: SECRET })
t.teardown(nas.close)
const boss = await createAdmin(db, {})
const apiKey = await createApiKey(db, boss.id, ['radius.nas.manage', 'radius.nas.view'])
const created = await app.inject({
  method: 'POST',
  url: '/api/v1/radius/nas',
  headers: { authorization: `Bearer ${apiKey}` },
  payload: { name: 'BRAS', ipAddress: '127.0.0.1', secret: SECRET, type: 'mikrotik', coaPort: nas.port },
})
if (created.statusCode !== 201) throw new Error(created.body)

const [partner] = await db.insert(partners).values({ name: 'Main ISP' }).returning()
const newPlan = (name: string, extra: Record<string, unknown>) =>
  createPlan(db, app.ctx, systemActor, {
    type: 'internet',
    name,
    price: '100',
    downloadKbps: 102400,
    uploadKbps: 25600,
    priority: 8,
    ...extra,
  })
const capped = await newPlan('Capped 10', { capMb: 10, capAction: 'reduce', capReducePercent: 50 })
const unlimited = await newPlan('Unlimited', {})
let n = 0
async function subscriber(login: string, planId: number) {
  const customer = await createCustomer(db, app.ctx, systemActor, {
    name: `Customer ${login}`,
    login: `c-${login}-${++n}`,
    partnerId: partner!.id,
    status: 'active',
  })
  const service = await createService(db, app.ctx, systemActor, customer.id, {
    planId,
    login,
    password: `${login}-pass-1`,
  })
  await runtime.whenFresh()
  return service
}

async function acct(status: string, login: string, sessionId: string, down: number, up: number) {
  const attributes: NamedAttribute[] = [
    { name: 'Acct-Status-Type', value: status },
    { name: 'Acct-Session-Id', value: sessionId },
    { name: 'User-Name', value: login },
    { name: 'Acct-Input-Octets', value: up },
    { name: 'Acct-Output-Octets', value: down },
    { name: 'Event-Timestamp', value: clock.now() },
  ]
  const reply = await exchange(runtime.ports.acctPort, accountingRequest({ secret: SECRET, attributes }))
  if (!reply) throw new Error('accounting not acknowledged')
  // The cap check of this commit, if any, has run once the store is drained.
  await runtime.accounting.drained()
}

const capState = async (serviceId: number) =>
  (
    await sql<{ usedBytes: string; cappedAt: unknown; capAction: string | null }[]>`
      select used_bytes::text as "usedBytes", capped_at as "cappedAt", cap_action as "capAction"
      from radius_cap_state where service_id = ${serviceId}`
  )[0]

t.test('the interim that crosses the cap triggers the cap action without the job', async (t) => {
  t.ok(runtime.accounting.onUsage instanceof CapCheckQueue, 'the plugin wires the cap queue to the store')
  const service = await subscriber('auto-cap', capped.id)
  await acct('Start', 'auto-cap', 'ac-1', 0, 0)
  await acct('Interim-Update', 'auto-cap', 'ac-1', 6 * MiB, 1 * MiB)
  t.match(await capState(service.id), { usedBytes: String(7 * MiB), cappedAt: null }, 'counted, not capped')
  t.equal(nas.received.length, 0, 'no CoA under the cap')

  await acct('Interim-Update', 'auto-cap', 'ac-1', 9 * MiB, 2 * MiB)
  const state = await capState(service.id)
  t.equal(state?.usedBytes, String(11 * MiB))
  t.ok(state?.cappedAt, 'capped')
  t.equal(state?.capAction, 'reduce')
  t.equal(nas.received.length, 1, 'one CoA')
  t.equal(nas.received[0]?.code, Code.CoaRequest)
  t.match(nas.received[0]?.attributes, {
    'User-Name': 'auto-cap',
    'Acct-Session-Id': 'ac-1',
    'Vendor-Specific': { 'Mikrotik-Rate-Limit': '12800k/51200k' },
  })
  const events = await sql<{ payload: Record<string, unknown> }[]>`
    select payload from outbox_events
    where type = 'service.cap_reached' and (payload->>'serviceId')::int = ${service.id}`
  t.equal(events.length, 1, 'service.cap_reached once')
  t.match(events[0]?.payload, { action: 'reduce', capMb: 10, usedBytes: String(11 * MiB) })

  await acct('Interim-Update', 'auto-cap', 'ac-1', 10 * MiB, 2 * MiB)
  t.equal(nas.received.length, 1, 'more traffic once capped: no second CoA')
  t.equal((await capState(service.id))?.usedBytes, String(12 * MiB), 'still counted')
})

t.test('a service whose plan has no cap is not checked', async (t) => {
  const queue = runtime.accounting.onUsage as CapCheckQueue
  const before = { ...queue.stats }
  const service = await subscriber('no-cap', unlimited.id)
  await acct('Start', 'no-cap', 'nc-1', 0, 0)
  await acct('Interim-Update', 'no-cap', 'nc-1', 50 * MiB, 5 * MiB)
  const [usage] = await sql<{ output: string }[]>`
    select output_octets::text as output from radius_usage_daily where service_id = ${service.id}`
  t.equal(usage?.output, String(50 * MiB), 'usage stored')
  t.equal(await capState(service.id), undefined, 'no cap state')
  t.same(queue.stats, before, 'no check run')
})
