import t from 'tap'
import { COUNTERS_TOPIC } from '../../../core/dashboard/routes.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession } from '../../helpers/auth.ts'
import { insertCustomer, insertPartner } from '../portal/fixtures.ts'

const ctx = await testApp()
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
const north = await insertPartner(db, 'North')
const south = await insertPartner(db, 'South')
await insertCustomer(db, { partnerId: north, login: 'n1', status: 'active' })

/** The parts of the `ws` client socket used here (the package ships no types). */
interface ClientSocket {
  send(data: string): void
  close(): void
  /** Drops the connection at once (injectWS streams do not finish a close handshake). */
  terminate(): void
  on(event: 'message', listener: (raw: Buffer) => void): void
  on(event: 'close', listener: () => void): void
}

interface Message {
  topic?: string
  data?: { customers: Record<string, number>; adminsOnline: number; jobsRunning: number; eventsPending: number }
  error?: string
}

/** A WebSocket to /admin/ws through the app's own upgrade path, with a queue of parsed messages. */
async function connect(cookie: string) {
  const ws: ClientSocket = await app.injectWS('/admin/ws', { headers: { cookie } })
  const queue: Message[] = []
  const waiting: ((m: Message) => void)[] = []
  ws.on('message', (raw: Buffer) => {
    const message = JSON.parse(raw.toString()) as Message
    const next = waiting.shift()
    if (next) next(message)
    else queue.push(message)
  })
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()))
  return {
    ws,
    closed,
    send: (m: unknown) => ws.send(JSON.stringify(m)),
    next: () => new Promise<Message>((resolve) => (queue.length ? resolve(queue.shift()!) : waiting.push(resolve))),
  }
}

/** Resolves once the server has seen the socket close (the hub drops the subscription). */
async function drained(topic: string) {
  for (let i = 0; i < 1000 && app.live.subscriberCount(topic) > 0; i++) await new Promise((r) => setImmediate(r))
  return app.live.subscriberCount(topic)
}

t.test('the server pushes the counters on subscribe and again when they change', async (t) => {
  const s = await adminSession(app, { role: 'super_admin' })
  const client = await connect(s.cookie)
  client.send({ subscribe: COUNTERS_TOPIC })
  const first = await client.next()
  t.equal(first.topic, COUNTERS_TOPIC)
  t.same(first.data!.customers, { new: 0, active: 1, blocked: 0, inactive: 0, total: 1 })
  t.ok(first.data!.adminsOnline >= 1, 'the admin watching is online')
  t.equal(app.live.subscriberCount(COUNTERS_TOPIC), 1)

  await insertCustomer(db, { partnerId: south, login: 's1', status: 'blocked' })
  await app.live.refresh(COUNTERS_TOPIC)
  const second = await client.next()
  t.same(second.data!.customers, { new: 0, active: 1, blocked: 1, inactive: 0, total: 2 }, 'the new customer is pushed')

  // Nothing changed: a refresh sends nothing; the next message is the one after the next change.
  await app.live.refresh(COUNTERS_TOPIC)
  await insertCustomer(db, { partnerId: north, login: 'n2', status: 'new' })
  await app.live.refresh(COUNTERS_TOPIC)
  const third = await client.next()
  t.same(third.data!.customers, { new: 1, active: 1, blocked: 1, inactive: 0, total: 3 }, 'only changes are sent')

  client.send({ subscribe: 'no.such.topic' })
  t.same(await client.next(), { topic: 'no.such.topic', error: 'unknown_topic' })
  client.ws.send('not json')
  t.same(await client.next(), { error: 'bad_message' })

  client.ws.terminate()
  await client.closed
  t.equal(await drained(COUNTERS_TOPIC), 0, 'the poll stops when nobody listens')
})

t.test('subscribers are scoped by the partners they may see', async (t) => {
  const all = await connect((await adminSession(app, { permissions: ['dashboard.view'] })).cookie)
  const limited = await connect((await adminSession(app, { permissions: ['dashboard.view'], partnerIds: [south] })).cookie)
  all.send({ subscribe: COUNTERS_TOPIC })
  limited.send({ subscribe: COUNTERS_TOPIC })
  t.equal((await all.next()).data!.customers.total, 3)
  t.same((await limited.next()).data!.customers, { new: 0, active: 0, blocked: 1, inactive: 0, total: 1 })

  await insertCustomer(db, { partnerId: south, login: 's2', status: 'active' })
  await app.live.refresh(COUNTERS_TOPIC)
  t.equal((await all.next()).data!.customers.total, 4)
  t.equal((await limited.next()).data!.customers.total, 2)
  all.ws.terminate()
  limited.ws.terminate()
  await Promise.all([all.closed, limited.closed])
  t.equal(await drained(COUNTERS_TOPIC), 0)
})

t.test('the socket needs a signed-in admin; each topic needs its own permission', async (t) => {
  await t.rejects(app.injectWS('/admin/ws', { headers: {} }), /Unexpected server response: 303/, 'no session: sent to login')
  const other = await adminSession(app, { permissions: ['customers.view'] })
  const client = await connect(other.cookie)
  client.send({ subscribe: COUNTERS_TOPIC })
  t.same(await client.next(), { topic: COUNTERS_TOPIC, error: 'forbidden' }, 'the counters need dashboard.view')
  t.equal(app.live.subscriberCount(COUNTERS_TOPIC), 0, 'nothing is polled for it')
  client.ws.terminate()
  await client.closed
})
