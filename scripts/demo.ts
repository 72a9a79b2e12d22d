// npm run demo — loads a small demo ISP (3 partners, ~300 customers in four languages, with contacts)
// through the real customer service, so every row is validated, audited and announced as an event.
// Refuses to run twice: the setting 'demo.loaded' marks a database that has the demo data.
import { pathToFileURL } from 'node:url'
import { eq } from 'drizzle-orm'
import { loadConfig } from '../config/index.ts'
import { systemClock } from '../core/kernel/clock.ts'
import { emitEvent } from '../core/kernel/events/outbox.ts'
import { addContact } from '../core/customers/contacts.ts'
import { sampleStatus, samplePerson, seededRandom } from '../core/customers/sample-data.ts'
import { createCustomer, type CrmDeps } from '../core/customers/service.ts'
import { partners } from '../core/partners/schema.ts'
import { systemActor } from '../core/partners/scope.ts'
import { settings } from '../core/settings/schema.ts'
import type { Db } from '../db/client.ts'
import { runMigrations } from '../db/migrate.ts'
import { openDatabase } from '../db/open.ts'

export const DEMO_MARKER = 'demo.loaded'

const DEMO_PARTNERS = [
  { name: 'Uplink Networks', share: 0.6, locales: [0, 1, 2, 3] },
  { name: 'Karpaty Fibre (reseller)', share: 0.25, locales: [0] },
  { name: 'Costa Net (reseller)', share: 0.15, locales: [2] },
]

const CONTACT_ROLES = ['Accounting', 'Technical contact', 'Owner', 'Spouse', 'Office manager']

export interface DemoResult {
  loaded: boolean
  partners: number
  customers: number
  contacts: number
}

/** Loads the demo data unless the database already has it (then does nothing and says so). */
export async function loadDemo(db: Db, deps: CrmDeps = { clock: systemClock(), emit: emitEvent }, count = 300): Promise<DemoResult> {
  const [marker] = await db.select().from(settings).where(eq(settings.key, DEMO_MARKER))
  if (marker) return { loaded: false, partners: 0, customers: 0, contacts: 0 }
  const r = seededRandom(2026)
  const partnerIds: number[] = []
  for (const p of DEMO_PARTNERS) {
    const [existing] = await db.select({ id: partners.id }).from(partners).where(eq(partners.name, p.name))
    partnerIds.push(existing?.id ?? (await db.insert(partners).values({ name: p.name }).returning())[0]!.id)
  }
  const today = deps.clock.today()
  let customers = 0
  let contacts = 0
  for (let i = 0; i < count; i++) {
    const x = r()
    const pi = x < DEMO_PARTNERS[0]!.share ? 0 : x < DEMO_PARTNERS[0]!.share + DEMO_PARTNERS[1]!.share ? 1 : 2
    const def = DEMO_PARTNERS[pi]!
    const person = samplePerson(r, 100 + i, def.locales[Math.floor(r() * def.locales.length)])
    const added = today.subtract({ days: Math.floor(r() * 1500) })
    const customer = await createCustomer(db, deps, systemActor, {
      ...person,
      partnerId: partnerIds[pi],
      status: sampleStatus(r),
      dateAdded: added.toString(),
      email: r() < 0.92 ? person.email : '',
      billingEmail: person.category === 'company' ? `billing@${person.email.split('@')[1]}` : '',
      portalPassword: r() < 0.5 ? `demo-${person.login}` : '',
    })
    customers++
    const n = person.category === 'company' ? 1 + Math.floor(r() * 2) : r() < 0.15 ? 1 : 0
    for (let k = 0; k < n; k++) {
      const contact = samplePerson(r, `${i}c${k}`, def.locales[0])
      await addContact(db, deps, systemActor, customer.id, {
        name: contact.category === 'company' ? `${CONTACT_ROLES[k]} team` : contact.name,
        role: CONTACT_ROLES[Math.floor(r() * CONTACT_ROLES.length)],
        email: contact.email,
        phone: contact.phone,
      })
      contacts++
    }
  }
  await db.insert(settings).values({ key: DEMO_MARKER, value: { at: deps.clock.now().toISOString(), customers } }).onConflictDoNothing()
  return { loaded: true, partners: partnerIds.length, customers, contacts }
}

async function main(): Promise<void> {
  const config = loadConfig()
  const database = await openDatabase(config)
  try {
    await runMigrations(database.url)
    const started = performance.now()
    const result = await loadDemo(database.db, { clock: systemClock(config.TIME_ZONE), emit: emitEvent })
    if (!result.loaded) console.log('The demo data is already loaded in this database; nothing to do.')
    else {
      console.log(
        `Loaded the demo ISP in ${((performance.now() - started) / 1000).toFixed(1)} s: ${result.partners} partners, ${result.customers} customers, ${result.contacts} contacts.`,
      )
    }
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
