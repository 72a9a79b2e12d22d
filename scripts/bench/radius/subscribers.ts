/**
 * Subscribers for bench:radius on Uplink's side: N customers from the load generator (scripts/loadgen.ts),
 * a handful of internet plans, one active internet service per customer with the customer's login and a
 * random password sealed with the instance key (as createService stores it), and the NAS. Bulk SQL, one
 * INSERT ... SELECT FROM unnest(...) per batch, with the columns createService would fill.
 */
import { randomBytes } from 'node:crypto'
import type { Sql } from 'postgres'
import { encryptSecret } from '../../../core/kernel/secrets.ts'
import { mikrotikRateLimit, type PlanSpeeds } from '../../../core/plans/rate-limit.ts'
import { loadCustomers } from '../../loadgen.ts'
import type { RadiusSubscriber } from './freeradius.ts'

interface BenchPlan extends PlanSpeeds {
  name: string
  price: string
}

/** A small ISP's internet tariff list: some with burst, one with a lower queue priority. */
const PLANS: BenchPlan[] = [
  { name: 'Bench Start 10', price: '19.9000', downloadKbps: 10_240, uploadKbps: 2_048, burstPercent: 50, burstThresholdPercent: 75, burstTimeS: 16, priority: 8 },
  { name: 'Bench Home 50', price: '29.9000', downloadKbps: 51_200, uploadKbps: 10_240, burstPercent: 0, burstThresholdPercent: 0, burstTimeS: 0, priority: 8 },
  { name: 'Bench Family 100', price: '39.9000', downloadKbps: 102_400, uploadKbps: 20_480, burstPercent: 20, burstThresholdPercent: 80, burstTimeS: 8, priority: 6 },
  { name: 'Bench Fibre 300', price: '54.9000', downloadKbps: 307_200, uploadKbps: 102_400, burstPercent: 0, burstThresholdPercent: 0, burstTimeS: 0, priority: 5 },
  { name: 'Bench Business 500', price: '99.0000', downloadKbps: 512_000, uploadKbps: 512_000, burstPercent: 0, burstThresholdPercent: 0, burstTimeS: 0, priority: 2 },
]

/** What a subscriber types: ten letters and digits, like createService's generated passwords. */
const newPassword = () => randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 10)

export interface LoadedSubscribers {
  subscribers: RadiusSubscriber[]
  customerIds: { first: number; last: number }
}

/** Loads `count` customers with one live internet service each; returns their logins and clear passwords. */
export async function loadSubscribers(
  sql: Sql,
  count: number,
  key: string,
  onProgress?: (what: string, done: number, total: number) => void,
): Promise<LoadedSubscribers> {
  const { firstId, lastId } = await loadCustomers(sql, count, {
    seed: 4,
    onProgress: (done, total) => onProgress?.('customers', done, total),
  })
  const planIds: number[] = []
  for (const p of PLANS) {
    const [row] = await sql<{ id: number }[]>`
      insert into plans (type, name, price, download_kbps, upload_kbps, burst_percent, burst_threshold_percent, burst_time_s, priority)
      values ('internet', ${p.name}, ${p.price}, ${p.downloadKbps}, ${p.uploadKbps}, ${p.burstPercent ?? 0},
              ${p.burstThresholdPercent ?? 0}, ${p.burstTimeS ?? 0}, ${p.priority ?? 8})
      returning id`
    planIds.push(row!.id)
  }
  const customers = await sql<{ id: number; login: string; date_added: string }[]>`
    select id, login, date_added::text from customers where id between ${firstId} and ${lastId} order by id`
  const subscribers: RadiusSubscriber[] = []
  const batch = 10_000
  for (let done = 0; done < customers.length; done += batch) {
    const part = customers.slice(done, done + batch)
    const cols = { customer: [] as number[], plan: [] as number[], description: [] as string[], login: [] as string[], sealed: [] as string[], start: [] as string[] }
    for (const [i, c] of part.entries()) {
      const p = (done + i) % PLANS.length
      const password = newPassword()
      subscribers.push({ login: c.login, password, rateLimit: mikrotikRateLimit(PLANS[p]!) })
      cols.customer.push(c.id)
      cols.plan.push(planIds[p]!)
      cols.description.push(PLANS[p]!.name)
      cols.login.push(c.login)
      cols.sealed.push(encryptSecret(key, password))
      cols.start.push(c.date_added)
    }
    await sql`
      insert into services (customer_id, plan_id, type, description, start_date, status, login, password_encrypted)
      select c, p, 'internet', d, s::date, 'active', l, e
      from unnest(${sql.array(cols.customer)}::int[], ${sql.array(cols.plan)}::int[], ${sql.array(cols.description)}::text[],
                  ${sql.array(cols.start)}::text[], ${sql.array(cols.login)}::text[], ${sql.array(cols.sealed)}::text[])
        as t(c, p, d, s, l, e)`
    onProgress?.('services', done + part.length, customers.length)
  }
  await sql`vacuum analyze services`
  return { subscribers, customerIds: { first: firstId, last: lastId } }
}

/** The NAS the load generator speaks as, with its secret sealed like the panel stores it. */
export async function createNas(sql: Sql, key: string, address: string, secret: string): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into radius_nas (name, ip_address, secret_encrypted, type)
    values ('bench-nas', ${address}, ${encryptSecret(key, secret)}, 'mikrotik')
    returning id`
  return row!.id
}
