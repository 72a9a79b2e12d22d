// npm run loadgen -- --customers 100000 [--seed 1]
// Bulk-inserts N plausible customers (four countries, realistic statuses) in batches of one
// INSERT ... SELECT FROM unnest(...) each, spread over the existing partners (one is created if none).
import { pathToFileURL } from 'node:url'
import type { Sql } from 'postgres'
import { loadConfig } from '../config/index.ts'
import { openDatabase } from '../db/open.ts'
import { runMigrations } from '../db/migrate.ts'
import { sampleStatus, samplePerson, seededRandom } from '../core/customers/sample-data.ts'

export interface LoadOptions {
  seed?: number
  batch?: number
  onProgress?: (done: number, total: number) => void
}

/** Inserts `count` customers; returns the first and last id. */
export async function loadCustomers(sql: Sql, count: number, options: LoadOptions = {}): Promise<{ firstId: number; lastId: number }> {
  const batch = options.batch ?? 10_000
  const r = seededRandom(options.seed ?? 1)
  let partnerIds = (await sql<{ id: number }[]>`select id from partners order by id`).map((p) => p.id)
  if (partnerIds.length === 0) {
    const [p] = await sql<{ id: number }[]>`insert into partners (name) values ('Main ISP') returning id`
    partnerIds = [p!.id]
  }
  // Reserve a block of ids so logins can carry the id and stay unique.
  const [reserved] = await sql<{ first: number }[]>`
    select (setval(pg_get_serial_sequence('customers', 'id'), nextval(pg_get_serial_sequence('customers', 'id')) + ${count - 1}) - ${count - 1})::int as first`
  const first = reserved!.first
  const now = Date.now()
  const fiveYears = 5 * 365 * 86_400_000
  for (let done = 0; done < count; done += batch) {
    const n = Math.min(batch, count - done)
    const cols = {
      id: [] as number[],
      partner: [] as number[],
      login: [] as string[],
      status: [] as string[],
      category: [] as string[],
      name: [] as string[],
      email: [] as (string | null)[],
      phone: [] as string[],
      street: [] as string[],
      city: [] as string[],
      zip: [] as string[],
      country: [] as string[],
      language: [] as string[],
      company: [] as (string | null)[],
      billingDay: [] as number[],
      dateAdded: [] as string[],
      createdAt: [] as string[],
    }
    for (let i = 0; i < n; i++) {
      const id = first + done + i
      const p = samplePerson(r, id)
      const created = new Date(now - Math.floor(((count - done - i) / count) * fiveYears) - Math.floor(r() * 3_600_000))
      cols.id.push(id)
      // Most customers belong to the ISP itself (the first partner).
      cols.partner.push(partnerIds.length > 1 && r() < 0.3 ? partnerIds[1 + Math.floor(r() * (partnerIds.length - 1))]! : partnerIds[0]!)
      cols.login.push(p.login)
      cols.status.push(sampleStatus(r))
      cols.category.push(p.category)
      cols.name.push(p.name)
      cols.email.push(r() < 0.9 ? p.email : null)
      cols.phone.push(p.phone)
      cols.street.push(p.street)
      cols.city.push(p.city)
      cols.zip.push(p.zip)
      cols.country.push(p.country)
      cols.language.push(p.language)
      cols.company.push(p.companyName)
      cols.billingDay.push(p.billingDay)
      cols.dateAdded.push(created.toISOString().slice(0, 10))
      cols.createdAt.push(created.toISOString())
    }
    await sql`
      insert into customers (id, partner_id, login, status, category, name, email, phone, street, city, zip, country,
                             language, company_name, billing_day, date_added, created_at, updated_at)
      select id, partner_id, login, status::customer_status, category::customer_category, name, email, phone, street, city,
             zip, country, language, company_name, billing_day, date_added::date, created_at::timestamptz, created_at::timestamptz
      from unnest(${sql.array(cols.id)}::int[], ${sql.array(cols.partner)}::int[], ${sql.array(cols.login)}::text[],
                  ${sql.array(cols.status)}::text[], ${sql.array(cols.category)}::text[], ${sql.array(cols.name)}::text[],
                  ${sql.array(cols.email)}::text[], ${sql.array(cols.phone)}::text[], ${sql.array(cols.street)}::text[],
                  ${sql.array(cols.city)}::text[], ${sql.array(cols.zip)}::text[], ${sql.array(cols.country)}::text[],
                  ${sql.array(cols.language)}::text[], ${sql.array(cols.company)}::text[], ${sql.array(cols.billingDay)}::int[],
                  ${sql.array(cols.dateAdded)}::text[], ${sql.array(cols.createdAt)}::text[])
        as t(id, partner_id, login, status, category, name, email, phone, street, city, zip, country, language,
             company_name, billing_day, date_added, created_at)`
    options.onProgress?.(done + n, count)
  }
  // VACUUM also empties the trigram index's pending list, which otherwise every search scans.
  await sql`vacuum analyze customers`
  return { firstId: first, lastId: first + count - 1 }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} must be a whole number`)
    process.exit(64)
  }
  return v
}

async function main(): Promise<void> {
  const count = arg('customers', 100_000)
  const seed = arg('seed', Date.now() % 1_000_000)
  const config = loadConfig()
  const database = await openDatabase(config)
  try {
    await runMigrations(database.url)
    const started = performance.now()
    const { firstId, lastId } = await loadCustomers(database.sql, count, {
      seed,
      onProgress: (done, total) => process.stdout.write(`\r${done.toLocaleString('en')} / ${total.toLocaleString('en')} customers`),
    })
    const s = (performance.now() - started) / 1000
    console.log(`\ninserted ${count} customers (ids ${firstId}..${lastId}) in ${s.toFixed(1)} s`)
    console.log(JSON.stringify({ loadgen: 'customers', customers: count, seconds: +s.toFixed(2), per_s: Math.round(count / s) }))
  } finally {
    await database.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err)
    process.exit(1)
  })
}
