// CoA / Disconnect answers recorded, and unanswered requests re-sent by the radius:coa-retry job:
// a NAS that ignores the first round gets the re-send and its ACK is recorded; a NAK is recorded with
// its Error-Cause; a NAS that never answers ends as failed after the configured rounds of retries.
import t from 'tap'
import type { JobContext } from '../../../core/plugin-api.ts'
import { systemActor } from '../../../core/partners/scope.ts'
import { saveSettings } from '../../../core/settings/service.ts'
import { settingsKey } from '../../../core/settings/store.ts'
import { asJsonSchema } from '../../../core/settings/values.ts'
import coaRetryJob from '../../../plugins/radius/jobs/coa-retry.ts'
import { Code } from '../../../plugins/radius/protocol/codes.ts'
import type { NamedAttribute } from '../../../plugins/radius/protocol/dictionary.ts'
import { onlineSessions, sendToSessions } from '../../../plugins/radius/service/coa.ts'
import { retryStoredRequests, SEND_ROUNDS } from '../../../plugins/radius/service/coa-retry.ts'
import { RadiusSettings } from '../../../plugins/radius/settings.ts'
import { RadiusState } from '../../../plugins/radius/state.ts'
import { NAS_SECRET, radiusApp } from './helpers/app.ts'
import { accountingRequest } from './helpers/client.ts'
import { startNasStandIn } from './helpers/nas-stand-in.ts'
import { exchange } from './helpers/udp.ts'

t.setTimeout(300_000)

const r = await radiusApp(t)
const sql = r.database.sql
const ctx = r.app.host.contextFor(r.plugin)
// One second per attempt and one retransmission: each round is 2 packets.
const RETRIES = 1
await saveSettings(
  r.app.ctx.db,
  settingsKey('radius'),
  asJsonSchema(RadiusSettings),
  { coa: { timeoutSeconds: 1, retries: RETRIES } },
  { actor: systemActor },
)
const ROUND = 1 + RETRIES

const nasAt = async (port: number) => {
  const res = await r.call('PATCH', `/api/v1/radius/nas/${r.nas.id}`, { coaPort: port })
  if (res.statusCode !== 200) throw new Error(res.body)
}

async function online(login: string, sessionId: string): Promise<number> {
  await r.subscriber(login, `${login}-pass-1`)
  const attributes: NamedAttribute[] = [
    { name: 'Acct-Status-Type', value: 'Start' },
    { name: 'Acct-Session-Id', value: sessionId },
    { name: 'User-Name', value: login },
  ]
  if (!(await exchange(r.ports.acctPort, accountingRequest({ secret: NAS_SECRET, attributes }))))
    throw new Error('accounting not acknowledged')
  const [row] = await sql<
    { id: number }[]
  >`select id::int as id from radius_sessions where acct_session_id = ${sessionId}`
  return row!.id
}

const stored = async (sessionId: number) =>
  (
    await sql<{ status: string; attempts: number; errorCause: number | null; completed: boolean }[]>`
      select status, attempts, error_cause as "errorCause", completed_at is not null as completed
      from radius_coa_requests where session_id = ${sessionId}`
  )[0]

/** A first Disconnect from a client configured by the settings, as an event handler or the job sends it. */
async function firstSend(sessionId: number, sourceKey: string) {
  const sessions = await onlineSessions(sql, { sessionIds: [sessionId] })
  return new RadiusState().withCoa(ctx, (deps) =>
    sendToSessions(deps, sessions, { kind: 'disconnect' }, sourceKey, 'manual'),
  )
}

t.test('a retransmission answered: the ACK is recorded with both attempts', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET, ignoreFirst: 1 })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const session = await online('quinn', 'q-1')
  t.match(await firstSend(session, 'manual:q'), [{ status: 'ack', attempts: 2 }])
  t.match(await stored(session), { status: 'ack', attempts: 2, completed: true })
  t.equal(nas.received.length, 2)
  t.equal(nas.received[0]!.identifier, nas.received[1]!.identifier, 'the same packet again')
})

t.test('a kick the NAS did not answer is re-sent by the job, and its ACK recorded', async (t) => {
  // The running server's client still has the defaults from start: 3 packets per round.
  const nas = await startNasStandIn({ secret: NAS_SECRET, ignoreFirst: 3 })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const session = await online('rosa', 'r-1')
  const kicked = await r.call('POST', `/api/v1/radius/sessions/${session}/disconnect`)
  t.match(kicked.json(), { status: 'timeout', attempts: 3 })
  t.match(await stored(session), { status: 'timeout', attempts: 3, completed: false })

  const retried = await retryStoredRequests(ctx, new RadiusState())
  t.match(retried, [{ sessionId: session, kind: 'disconnect', status: 'ack', attempts: 4 }])
  t.match(await stored(session), { status: 'ack', attempts: 4, completed: true })
  t.equal(nas.received.length, 4)
  t.ok(nas.received.every((p) => p.code === Code.DisconnectRequest && p.authenticatorValid))
  t.match(nas.received[3]!.attributes, { 'User-Name': 'rosa', 'Acct-Session-Id': 'r-1' })
  t.same(await retryStoredRequests(ctx, new RadiusState()), [], 'answered: never sent again')
  t.equal(nas.received.length, 4)
})

t.test('a NAK on the re-send is recorded with its Error-Cause', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET, ignoreFirst: ROUND, nakWith: 503 })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const session = await online('saul', 's-1')
  t.match(await firstSend(session, 'manual:s'), [{ status: 'timeout', attempts: ROUND }])
  const retried = await retryStoredRequests(ctx, new RadiusState())
  t.match(retried, [{ sessionId: session, status: 'nak', errorCause: 503, attempts: ROUND + 1 }])
  t.match(await stored(session), { status: 'nak', errorCause: 503, attempts: ROUND + 1, completed: true })
  t.same(await retryStoredRequests(ctx, new RadiusState()), [])
})

t.test('a NAS that never answers: failed after the configured rounds, then left alone', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET, ignoreFirst: 1000 })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const session = await online('tess', 't-1')
  t.match(await firstSend(session, 'manual:t'), [{ status: 'timeout', attempts: ROUND }])
  const job = coaRetryJob
  const jobCtx = {
    ...ctx,
    job: 'radius:coa-retry',
    log: { info() {}, warn() {}, error() {}, debug() {} },
  } as unknown as JobContext
  const run = {
    id: 1n,
    trigger: 'manual' as const,
    slot: null,
    progress: async () => {},
    signal: new AbortController().signal,
  }
  for (let round = 2; round < SEND_ROUNDS; round++) {
    t.same(await job(jobCtx, run), { sent: 1, ack: 0, nak: 0, failed: 0 }, `round ${round}: still waiting`)
    t.match(await stored(session), { status: 'timeout', attempts: round * ROUND })
  }
  t.same(await job(jobCtx, run), { sent: 1, ack: 0, nak: 0, failed: 1 }, 'the last round gives up')
  t.match(await stored(session), { status: 'failed', attempts: SEND_ROUNDS * ROUND, completed: true })
  t.equal(nas.received.length, SEND_ROUNDS * ROUND, 'every packet of every round reached the NAS')
  t.same(await job(jobCtx, run), { sent: 0, ack: 0, nak: 0, failed: 0 }, 'a failed request is not sent again')
  t.equal(nas.received.length, SEND_ROUNDS * ROUND)
  t.match(await firstSend(session, 'manual:t'), [{ status: 'failed' }], 'the same source key stays failed')
  t.equal(nas.received.length, SEND_ROUNDS * ROUND)
})
