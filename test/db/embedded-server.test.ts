import t from 'tap'
import { count, eq, gte, sql } from 'drizzle-orm'
import { customers } from '../../core/customers/schema.ts'
import { jobRuns } from '../../core/kernel/jobs/schema.ts'
import { partners } from '../../core/partners/schema.ts'
import { testDatabase } from '../helpers/db.ts'

// postgres.js sends a parameterised query as Parse(unnamed)+Describe+Sync, reads the parameter types,
// then Bind+Execute. Over the embedded server every connection shares one backend, so another
// connection's Parse in between used to replace the unnamed statement ("bind message supplies 2
// parameters, but prepared statement "" requires 1"). Same queries run on real PostgreSQL too.
t.test('parameterised queries from many connections at once do not mix', async (t) => {
  const h = await testDatabase({ max: 4 })
  t.teardown(() => h.close())
  const { db } = h
  const [p] = await db.insert(partners).values({ name: 'P' }).returning()
  await db.insert(customers).values({ partnerId: p!.id, login: 'a', name: 'A', dateAdded: '2026-01-02' })
  const rounds = await Promise.all(
    Array.from({ length: 25 }, (_, i) =>
      Promise.all([
        db.select({ n: count() }).from(customers).where(gte(customers.dateAdded, '2025-01-01')),
        db.select({ n: count() }).from(jobRuns).where(eq(jobRuns.status, `running-${i}`)),
        db.select({ id: customers.id }).from(customers).orderBy(customers.id).limit(i + 1),
        db.select({ n: sql<number>`${i}::int + ${1}::int` }).from(partners).where(eq(partners.id, p!.id)),
      ]),
    ),
  )
  t.equal(rounds.length, 25)
  rounds.forEach(([a, b, c, d], i) => {
    if (a[0]!.n !== 1 || b[0]!.n !== 0 || c.length !== 1 || d[0]!.n !== i + 1) t.fail(`round ${i} mixed up`)
  })
  t.pass('every round got its own answers')
})
