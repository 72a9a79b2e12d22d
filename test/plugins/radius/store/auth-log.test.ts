// The auth log's writer against a real database: many entries in several statements, in order, and a
// failed write kept for the next flush.
import t from 'tap'
import type { Sql } from 'postgres'
import { AuthLogWriter, type AuthLogEntry } from '../../../../plugins/radius/store/auth-log.ts'
import { testDatabase } from '../../../helpers/db.ts'

const database = await testDatabase()
t.teardown(() => database.close())
const { sql } = database

const entry = (i: number): AuthLogEntry => ({
  at: new Date(Date.UTC(2026, 10, 26, 12, 0, 0, i)).toISOString(),
  nas_id: null,
  user_name: `user-${i}`,
  service_id: null,
  customer_id: null,
  outcome: i % 2 ? 'reject' : 'restricted',
  reason: 'wrong-password',
  detail: `attempt ${i} with "quotes", a tab\\t and ünïcödé ${'x'.repeat(100)}`,
  method: 'pap',
  calling_station_id: i % 3 ? null : 'AA:BB:CC:00:00:01',
})

t.test('thousands of entries go in as several statements, nothing lost or doubled', async (t) => {
  const log = new AuthLogWriter(sql)
  for (let i = 0; i < 3000; i++) log.add(entry(i))
  await log.flush()
  const [row] = await sql<{ n: number; users: number }[]>`
    select count(*)::int as n, count(distinct user_name)::int as users from radius_auth_log`
  t.same(row, { n: 3000, users: 3000 })
  const [sample] = await sql<{ detail: string; calling_station_id: string | null }[]>`
    select detail, calling_station_id from radius_auth_log where user_name = 'user-42'`
  t.equal(sample!.detail, entry(42).detail, 'text comes back as it went in')
  t.equal(sample!.calling_station_id, 'AA:BB:CC:00:00:01')
  await log.flush()
  const [again] = await sql<{ n: number }[]>`select count(*)::int as n from radius_auth_log`
  t.equal(again!.n, 3000, 'a second flush writes nothing more')
  t.equal(log.lost, 0)
})

t.test('a failed write is kept and written by the next flush, with what came meanwhile', async (t) => {
  await sql`delete from radius_auth_log`
  let fail = true
  const flaky = ((strings: TemplateStringsArray, ...values: unknown[]) => {
    if (fail) {
      fail = false
      return Promise.reject(new Error('connection lost'))
    }
    return sql(strings, ...(values as never[]))
  }) as unknown as Sql
  const log = new AuthLogWriter(flaky)
  for (let i = 0; i < 10; i++) log.add(entry(i))
  await t.rejects(log.flush(), /connection lost/)
  for (let i = 10; i < 15; i++) log.add(entry(i))
  await log.flush()
  const rows = await sql<{ user_name: string }[]>`select user_name from radius_auth_log order by at`
  t.same(
    rows.map((r) => r.user_name),
    Array.from({ length: 15 }, (_, i) => `user-${i}`),
  )
})
