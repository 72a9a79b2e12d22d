import t from 'tap'
import postgres from 'postgres'
import { Dispatcher } from '../../../../core/kernel/events/dispatcher.ts'
import {
  definePlugin,
  type DomainEvent,
  type PluginDefinition,
} from '../../../../core/kernel/plugins/define.ts'
import { testApp } from '../../../helpers/app.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

/** A subscriber plugin that records what it receives; `failTimes[type]` makes its first deliveries of a type throw. */
function recorder(name: string, types: string[], failTimes: Record<string, number> = {}) {
  const seen: DomainEvent[] = []
  const contexts: string[] = []
  const failures = { ...failTimes }
  const plugin: PluginDefinition = definePlugin({
    name,
    on: Object.fromEntries(
      types.map((type) => [
        type,
        async (event: DomainEvent, ctx) => {
          contexts.push(ctx.plugin)
          if ((failures[event.type] ?? 0) > 0) {
            failures[event.type]!--
            throw new Error(`${name} is down`)
          }
          seen.push(event)
        },
      ]),
    ),
  })
  const of = (type: string) => seen.filter((e) => e.type === type)
  return { plugin, seen, contexts, of }
}

// One app for the whole file (booting one is the slow part); each test uses its own event types.
const alpha = recorder(
  'alpha',
  ['customer.created', 'customer.blocked', 'payment.received', 'x.y', 'order.placed', 'poll.me', 'notify.me'],
  {
    'payment.received': 2,
    'x.y': 100,
  },
)
const beta = recorder('beta', ['customer.*', 'payment.received'])
const gamma = recorder('gamma', ['invoice.issued'])
const ctx = await testApp({ plugins: [alpha.plugin, beta.plugin, gamma.plugin] })
const { app, clock } = ctx
const only = (...names: string[]) => app.host.subscribers().filter((s) => names.includes(s.name))

async function deliveries(sql: postgres.Sql, type: string, subscriber?: string) {
  return sql<
    {
      event_id: string
      subscriber: string
      status: string
      attempts: number
      next_attempt_at: Date
      last_error: string | null
    }[]
  >`
    select event_id, subscriber, status, attempts, next_attempt_at, last_error from outbox_deliveries
     where event_id in (select id from outbox_events where type like ${type})
       and ${subscriber ? sql`subscriber = ${subscriber}` : sql`true`} order by event_id, subscriber`
}

t.test('an event emitted in a rolled-back transaction is never delivered', async (t) => {
  await t.rejects(
    app.ctx.db.transaction(async (tx) => {
      await app.ctx.emit(tx, 'customer.created', { id: 1 })
      throw new Error('rollback')
    }),
  )
  await app.ctx.db.transaction(async (tx) => app.ctx.emit(tx, 'customer.created', { id: 2 }))
  const result = await app.dispatcher.drain()
  t.same(result, { fannedOut: 1, delivered: 2, failed: 0 }, 'one event, to alpha and to beta (customer.*)')
  t.same(
    alpha.of('customer.created').map((e) => e.payload),
    [{ id: 2 }],
    'only the committed event arrives',
  )
  const event = alpha.of('customer.created')[0]!
  t.equal(typeof event.id, 'bigint')
  t.ok(event.createdAt instanceof Date)
  t.same(alpha.contexts, ['alpha'], 'the handler got its own plugin context')
})

t.test('each event is delivered once to every matching subscriber', async (t) => {
  await app.ctx.db.transaction(async (tx) => {
    await app.ctx.emit(tx, 'customer.blocked', { id: 1 })
    await app.ctx.emit(tx, 'customer.deleted', { id: 1 })
  })
  await app.dispatcher.drain()
  await app.dispatcher.drain()
  t.same(alpha.of('customer.blocked').length, 1)
  t.same(alpha.of('customer.deleted'), [], 'alpha has no handler for it')
  t.same(
    beta.seen.map((e) => e.type),
    ['customer.created', 'customer.blocked', 'customer.deleted'],
    'prefix patterns match',
  )
  t.same(gamma.seen, [], 'non-matching subscribers get nothing')
  const rows = await deliveries(ctx.database.sql, 'customer.%')
  t.equal(rows.length, 5, 'one delivery row per event and matching subscriber')
  t.ok(rows.every((r) => r.status === 'delivered' && r.attempts === 1))
  const [unfanned] = await ctx.database
    .sql`select count(*)::int as n from outbox_events where fanned_out_at is null`
  t.equal(unfanned!.n, 0)
})

t.test('a failing handler is retried with exponential backoff, then succeeds', async (t) => {
  const dispatcher = new Dispatcher(app.ctx, only('alpha', 'beta'), {
    backoffMs: 10_000,
    maxAttempts: 5,
    listen: false,
  })
  await app.ctx.db.transaction(async (tx) => app.ctx.emit(tx, 'payment.received', { amount: '10.00' }))
  const t0 = clock.now().getTime()

  t.same(await dispatcher.drain(), { fannedOut: 1, delivered: 1, failed: 1 })
  let [row] = await deliveries(ctx.database.sql, 'payment.received', 'alpha')
  t.equal(row!.status, 'pending')
  t.equal(row!.attempts, 1)
  t.equal(new Date(row!.next_attempt_at).getTime(), t0 + 10_000, 'first retry after the base delay')
  t.match(row!.last_error, /alpha is down/)
  t.equal(beta.of('payment.received').length, 1, 'a failing subscriber does not hold up the others')

  t.same(
    await dispatcher.drain(),
    { fannedOut: 0, delivered: 0, failed: 0 },
    'nothing is due before the delay',
  )
  clock.advance(10_000)
  t.same(await dispatcher.drain(), { fannedOut: 0, delivered: 0, failed: 1 })
  ;[row] = await deliveries(ctx.database.sql, 'payment.received', 'alpha')
  t.equal(row!.attempts, 2)
  t.equal(new Date(row!.next_attempt_at).getTime(), t0 + 10_000 + 20_000, 'the delay doubles')

  clock.advance(19_999)
  t.same(await dispatcher.drain(), { fannedOut: 0, delivered: 0, failed: 0 })
  clock.advance(1)
  t.same(await dispatcher.drain(), { fannedOut: 0, delivered: 1, failed: 0 })
  ;[row] = await deliveries(ctx.database.sql, 'payment.received', 'alpha')
  t.equal(row!.status, 'delivered')
  t.equal(row!.attempts, 3)
  t.equal(row!.last_error, null)
  t.equal(alpha.of('payment.received').length, 1)
  t.equal(beta.of('payment.received').length, 1, 'the other subscriber got it exactly once')
})

t.test('a delivery that keeps failing is marked dead after maxAttempts', async (t) => {
  const dispatcher = new Dispatcher(app.ctx, only('alpha'), {
    backoffMs: 1000,
    maxAttempts: 3,
    listen: false,
  })
  await app.ctx.emit(app.ctx.db, 'x.y', {})
  for (let i = 0; i < 3; i++) {
    await dispatcher.drain()
    clock.advance(60_000)
  }
  const [row] = await deliveries(ctx.database.sql, 'x.y')
  t.equal(row!.status, 'dead')
  t.equal(row!.attempts, 3)
  clock.advance(3_600_000)
  t.same(
    await dispatcher.drain(),
    { fannedOut: 0, delivered: 0, failed: 0 },
    'dead deliveries are not retried',
  )
})

t.test('two dispatchers on one database never deliver an event twice', async (t) => {
  const subs = only('alpha')
  const one = new Dispatcher(app.ctx, subs, { batch: 3, listen: false })
  // The second dispatcher has its own connection pool, as a second process would.
  const otherSql = postgres(ctx.database.url, { max: 3, onnotice: () => {} })
  t.teardown(() => otherSql.end())
  const two = new Dispatcher({ ...app.ctx, sql: otherSql }, subs, { batch: 3, listen: false })
  await app.ctx.db.transaction(async (tx) => {
    for (let i = 0; i < 40; i++) await app.ctx.emit(tx, 'order.placed', { n: i })
  })
  const [r1, r2] = await Promise.all([one.drain(), two.drain()])
  t.equal(r1.fannedOut + r2.fannedOut, 40, 'each event fanned out by exactly one of them')
  t.equal(r1.delivered + r2.delivered, 40, 'each delivery made by exactly one of them')
  const orders = alpha.of('order.placed')
  t.equal(orders.length, 40)
  t.equal(new Set(orders.map((e) => e.payload.n)).size, 40, 'no event was handled twice')
  const rows = await deliveries(ctx.database.sql, 'order.placed')
  t.ok(rows.every((r) => r.status === 'delivered' && r.attempts === 1))
})

t.test('the poll path: a started dispatcher finds committed events without NOTIFY', async (t) => {
  const dispatcher = new Dispatcher(app.ctx, only('alpha'), { listen: false, pollMs: 20 })
  await dispatcher.start()
  t.teardown(() => dispatcher.stop())
  await app.ctx.db.transaction(async (tx) => app.ctx.emit(tx, 'poll.me', { v: 1 }))
  while (alpha.of('poll.me').length === 0) await new Promise((r) => setTimeout(r, 5))
  t.same(alpha.of('poll.me')[0]!.payload, { v: 1 })
  await dispatcher.stop()
})

t.test('the NOTIFY path: a commit wakes the dispatcher without polling', async (t) => {
  // An hour between polls: only NOTIFY can bring the event in during this test.
  const dispatcher = new Dispatcher(app.ctx, only('alpha'), { listen: true, pollMs: 3_600_000 })
  await dispatcher.start()
  t.teardown(() => dispatcher.stop())
  // start() sends a probe NOTIFY; wait for it to come back. The embedded database does not deliver
  // notifications across connections, so there it never does.
  for (let i = 0; i < 100 && !dispatcher.notifyWorks; i++) await new Promise((r) => setTimeout(r, 20))
  const reason = dispatcher.notifyWorks
    ? false
    : 'this database does not deliver NOTIFY across connections (embedded); the poll path covers it'
  await t.test('a committed event arrives by NOTIFY', { skip: reason }, async (t) => {
    await app.ctx.db.transaction(async (tx) => app.ctx.emit(tx, 'notify.me', { v: 2 }))
    while (alpha.of('notify.me').length === 0) await new Promise((r) => setTimeout(r, 5))
    t.same(alpha.of('notify.me')[0]!.payload, { v: 2 })
  })
  await dispatcher.stop()
})

// Last, not in a root teardown: the app's listeners keep the process alive, so the root test would never end.
t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
