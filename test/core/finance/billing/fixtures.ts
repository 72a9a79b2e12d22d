import { sql } from 'drizzle-orm'
import { customers } from '../../../../core/customers/schema.ts'
import { customerBilling } from '../../../../core/finance/schema.ts'
import { ensureMainPartner } from '../../../../core/partners/bootstrap.ts'
import { partners } from '../../../../core/partners/schema.ts'
import type { Actor } from '../../../../core/partners/scope.ts'
import { plans } from '../../../../core/plans/schema.ts'
import { services } from '../../../../core/services/schema.ts'
import { rows, type Db, type DbOrTx } from '../../../../db/client.ts'

export const admin: Actor = { type: 'admin', id: null, name: 'tester', partnerIds: null }

export async function mainPartner(db: Db): Promise<number> {
  await ensureMainPartner(db)
  const [p] = await db.select({ id: partners.id }).from(partners).limit(1)
  return p!.id
}

let seq = 0
export async function customer(
  db: DbOrTx,
  partnerId: number,
  o: {
    billingDay?: number
    status?: 'new' | 'active' | 'blocked' | 'inactive'
    type?: 'recurring_postpaid' | 'recurring_prepaid' | 'prepaid_daily' | 'prepaid_monthly'
    periodsAhead?: number
  } = {},
): Promise<number> {
  seq++
  const [c] = await db
    .insert(customers)
    .values({
      partnerId,
      login: `c${process.pid}x${seq}`,
      name: `Customer ${seq}`,
      status: o.status ?? 'active',
      billingDay: o.billingDay ?? 1,
      dateAdded: '2026-01-01',
    })
    .returning({ id: customers.id })
  if (o.type)
    await db
      .insert(customerBilling)
      .values({ customerId: c!.id, type: o.type, periodsAhead: o.periodsAhead ?? 1 })
  return c!.id
}

export async function plan(
  db: DbOrTx,
  o: {
    name: string
    price: string
    type?: 'internet' | 'recurring' | 'one_time' | 'bundle' | 'voice'
    taxRateId?: number
    activationFee?: string
    contractMonths?: number
    earlyCancellationFee?: string
  },
): Promise<number> {
  const type = o.type ?? 'internet'
  const [p] = await db
    .insert(plans)
    .values({
      type,
      name: o.name,
      price: o.price,
      taxRateId: o.taxRateId ?? null,
      ...(type === 'internet' ? { downloadKbps: 10240, uploadKbps: 2048, priority: 8 } : {}),
      activationFee: o.activationFee ?? null,
      contractMonths: o.contractMonths ?? null,
      earlyCancellationFee: o.earlyCancellationFee ?? null,
    })
    .returning({ id: plans.id })
  return p!.id
}

export async function service(
  db: DbOrTx,
  customerId: number,
  planId: number,
  o: {
    start: string
    end?: string | null
    quantity?: string
    unitPrice?: string | null
    discount?: string
    discountStart?: string
    discountEnd?: string
    status?: 'active' | 'stopped' | 'disabled' | 'pending' | 'archived'
  },
): Promise<number> {
  const [p] = await rows<{ type: 'internet' | 'recurring' | 'one_time' | 'bundle' | 'voice'; name: string }>(
    db,
    sql`select type, name from plans where id = ${planId}`,
  )
  const [s] = await db
    .insert(services)
    .values({
      customerId,
      planId,
      type: p!.type,
      description: p!.name,
      quantity: o.quantity ?? '1',
      unitPrice: o.unitPrice ?? null,
      discountPercent: o.discount ?? '0',
      discountStart: o.discountStart ?? null,
      discountEnd: o.discountEnd ?? null,
      startDate: o.start,
      endDate: o.end ?? null,
      status: o.status ?? 'active',
    })
    .returning({ id: services.id })
  return s!.id
}

/** A whole billing run in this process: create, preview, confirm, commit. Returns the run as committed. */
export async function runBilling(
  db: Db,
  clock: import('../../../../core/kernel/clock.ts').Clock,
  runDate: string,
  o: { batchSize?: number; partnerId?: number } = {},
) {
  const { createRun, confirmRun, getRun } = await import('../../../../core/finance/billing/runs.ts')
  const { workRuns } = await import('../../../../core/finance/billing/process.ts')
  const run = await createRun(db, clock, admin, { runDate, partnerId: o.partnerId })
  await workRuns({ db, clock, batchSize: o.batchSize ?? 50 })
  const preview = await getRun(db, admin, run.id)
  if (preview.customers === 0) {
    const { cancelRun } = await import('../../../../core/finance/billing/runs.ts')
    await cancelRun(db, clock, admin, run.id)
    return { preview, committed: preview }
  }
  await confirmRun(db, clock, admin, run.id)
  await workRuns({ db, clock, batchSize: o.batchSize ?? 50 })
  return { preview, committed: await getRun(db, admin, run.id) }
}
