import t from 'tap'
import { advanceCounter, nextNumber, peekNextNumber } from '../../../core/finance/counters.ts'
import { ValidationError } from '../../../core/kernel/errors.ts'
import { testDatabase } from '../../helpers/db.ts'

const INVOICE = '{year}{partner_id|2}{next|6}'

t.test('gapless per-series counters taken in the issuing transaction', async (t) => {
  const database = await testDatabase()
  t.teardown(() => database.close())
  const { db } = database
  const issue = (date: string, partnerId: number) =>
    db.transaction((tx) => nextNumber(tx, 'invoice', INVOICE, { date, partnerId }))

  t.equal((await issue('2026-03-05', 1)).number, '202601000001')
  t.equal((await issue('2026-03-06', 1)).number, '202601000002')
  t.equal((await issue('2026-03-06', 2)).number, '202602000001', 'each partner counts apart')
  t.equal((await issue('2027-01-01', 1)).number, '202701000001', 'a new year starts again')
  t.equal(
    (await peekNextNumber(db, 'invoice', INVOICE, { date: '2026-12-01', partnerId: 1 })).number,
    '202601000003',
  )

  // A rolled-back issue gives its number back.
  await t.rejects(
    db.transaction(async (tx) => {
      const taken = await nextNumber(tx, 'invoice', INVOICE, { date: '2026-04-01', partnerId: 1 })
      t.equal(taken.number, '202601000003')
      throw new Error('PDF rendering failed')
    }),
    /PDF rendering failed/,
  )
  const after = await issue('2026-04-02', 1)
  t.equal(after.number, '202601000003', 'no gap after a rollback')
  t.equal(after.sequence, 3)

  // Other series do not share the counter.
  const receipt = await db.transaction((tx) =>
    nextNumber(tx, 'receipt', '{year}-{type|2}-{next|5}', { date: '2026-03-05', type: 1 }),
  )
  t.equal(receipt.number, '2026-01-00001')
})

t.test('concurrent issuers get distinct consecutive numbers', async (t) => {
  const database = await testDatabase({ max: 4 })
  t.teardown(() => database.close())
  const { db } = database
  const numbers = await Promise.all(
    Array.from({ length: 12 }, () =>
      db.transaction((tx) => nextNumber(tx, 'proforma', '{year}{next|6}', { date: '2026-05-01' })),
    ),
  )
  const sequences = numbers.map((n) => n.sequence).sort((a, b) => a - b)
  t.same(
    sequences,
    Array.from({ length: 12 }, (_, i) => i + 1),
  )
})

t.test('counters move forward only; bad series and patterns are refused', async (t) => {
  const database = await testDatabase()
  t.teardown(() => database.close())
  const { db } = database
  const values = { date: '2026-03-05' }
  await db.transaction((tx) => advanceCounter(tx, 'proforma', '{year}{next|6}', values, 152))
  t.equal(
    (await db.transaction((tx) => nextNumber(tx, 'proforma', '{year}{next|6}', values))).number,
    '2026000153',
  )
  await t.rejects(
    db.transaction((tx) => advanceCounter(tx, 'proforma', '{year}{next|6}', values, 10)),
    /already at 153; it can only move forward/,
  )
  await t.rejects(
    db.transaction((tx) => nextNumber(tx, 'Bad Series', '{next}', values)),
    ValidationError,
  )
  await t.rejects(
    db.transaction((tx) => nextNumber(tx, 'x', '{year}', values)),
    /must contain \{next\}/,
  )
})
