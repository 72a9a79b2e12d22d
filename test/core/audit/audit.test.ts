import t from 'tap'
import { parse } from 'csv-parse/sync'
import { auditLog } from '../../../db/schema.ts'
import { listAudit, recordAudit, redact } from '../../../core/audit/service.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../helpers/auth.ts'

// Several apps and many argon2 hashes per file: generous on a loaded machine.
t.setTimeout(300_000)

t.test('redact hides secrets at any depth and keeps the rest', async (t) => {
  t.same(
    redact({
      name: 'x',
      passwordHash: '$argon2id$...',
      nested: { totpSecret: 'ABC', ok: 1 },
      keyHash: null,
      n: 5n,
    }),
    {
      name: 'x',
      passwordHash: '[redacted]',
      nested: { totpSecret: '[redacted]', ok: 1 },
      keyHash: null,
      n: '5',
    },
  )
})

t.test('recordAudit is part of the transaction; filters and the API', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const { app, database, clock } = ctx
  const db = database.db
  const actor = { type: 'admin' as const, id: 7, name: 'zoe' }
  await db
    .transaction(async (tx) => {
      await recordAudit(tx, {
        actor,
        action: 'customer.update',
        entity: 'customer',
        entityId: 1,
        at: clock.now(),
      })
      throw new Error('rolled back')
    })
    .catch(() => {})
  t.equal((await db.select().from(auditLog)).length, 0, 'a rolled-back change leaves no audit row')

  const day = (d: string) => new Date(`${d}T12:00:00Z`)
  await recordAudit(db, {
    actor,
    action: 'customer.update',
    entity: 'customer',
    entityId: 1,
    before: { name: 'A' },
    after: { name: 'B' },
    at: day('2026-01-10'),
    ip: '192.0.2.1',
  })
  await recordAudit(db, {
    actor,
    action: 'customer.create',
    entity: 'customer',
    entityId: 2,
    after: { name: 'C' },
    at: day('2026-01-12'),
  })
  await recordAudit(db, {
    actor: { type: 'api', id: 8, name: 'yan (API key #1)' },
    action: 'plan.update',
    entity: 'plan',
    entityId: 3,
    at: day('2026-01-14'),
  })

  t.equal((await listAudit(db, { entity: 'customer' }, { limit: 10, offset: 0 })).total, 2)
  t.equal((await listAudit(db, { actor: 'zo' }, { limit: 10, offset: 0 })).total, 2, 'actor by login prefix')
  t.equal((await listAudit(db, { actor: '8' }, { limit: 10, offset: 0 })).total, 1, 'actor by id')
  t.equal((await listAudit(db, { action: 'customer.' }, { limit: 10, offset: 0 })).total, 2, 'action prefix')
  const page = await listAudit(db, {}, { limit: 2, offset: 0 })
  t.same(
    page.rows.map((r) => r.action),
    ['plan.update', 'customer.create'],
    'newest first, paged',
  )
  t.equal(page.total, 3)

  const reader = await createAdmin(db, { permissions: ['audit.view'] })
  const key = await createApiKey(db, reader.id, ['audit.view'])
  const res = await app.inject({
    method: 'GET',
    url: '/api/v1/audit?entity=customer&from=2026-01-11&to=2026-01-12',
    headers: { authorization: `Bearer ${key}` },
  })
  t.equal(res.statusCode, 200)
  t.equal(res.json().total, 1, 'date range is inclusive of the last day')
  t.equal(res.json().items[0].action, 'customer.create')
  t.same(res.json().items[0].after, { name: 'C' })
  const bad = await app.inject({
    method: 'GET',
    url: '/api/v1/audit?from=yesterday',
    headers: { authorization: `Bearer ${key}` },
  })
  t.equal(bad.statusCode, 400)

  const noPerm = await createAdmin(db, { permissions: ['admins.view'] })
  const noKey = await createApiKey(db, noPerm.id, ['admins.view'])
  t.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/audit', headers: { authorization: `Bearer ${noKey}` } }))
      .statusCode,
    403,
  )

  const s = await adminSession(app, { permissions: ['audit.view'] })
  const html = await app.inject({
    method: 'GET',
    url: '/admin/audit?entity=customer&entityId=1',
    headers: { accept: 'text/html', cookie: s.cookie },
  })
  t.equal(html.statusCode, 200)
  t.match(html.body, 'customer.update')
  t.notMatch(html.body, '<code>customer.create</code>', 'filtered by entity id')
  t.match(html.body, /<td>name<\/td><td>A<\/td><td>B<\/td>/, 'the change is shown field by field')

  const csv = await app.inject({
    method: 'GET',
    url: '/admin/audit?entity=customer&format=csv',
    headers: { cookie: s.cookie },
  })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], 'text/csv')
  const records = parse(csv.body, { columns: true }) as Record<string, string>[]
  t.same(
    records.map((r) => r.action),
    ['customer.create', 'customer.update'],
  )
  t.same(JSON.parse(records[1]!.before!), { name: 'A' })
  t.equal(records[1]!.ip, '192.0.2.1')
})
