import { and, asc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { NotFoundError, ValidationError, type FieldError } from '../kernel/errors.ts'
import { auditChange } from '../partners/audit.ts'
import type { Actor } from '../partners/scope.ts'
import { customerContacts } from './schema.ts'
import { getCustomer, type CrmDeps } from './service.ts'

export type Contact = typeof customerContacts.$inferSelect

export interface ContactInput {
  name?: unknown
  role?: unknown
  email?: unknown
  phone?: unknown
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const PHONE = /^\+?[0-9 ()./-]{3,32}$/

function checkContact(input: ContactInput, partial: boolean): Partial<Omit<Contact, 'id' | 'customerId'>> {
  const errors: FieldError[] = []
  const out: Partial<Omit<Contact, 'id' | 'customerId'>> = {}
  const s = (v: unknown) => (v === undefined ? undefined : v === null ? '' : String(v).trim())
  const name = s(input.name)
  if (name !== undefined || !partial) {
    if (!name) errors.push({ field: 'name', message: 'is required' })
    else if (name.length > 200) errors.push({ field: 'name', message: 'must be at most 200 characters' })
    else out.name = name
  }
  const role = s(input.role)
  if (role !== undefined) {
    if (role.length > 100) errors.push({ field: 'role', message: 'must be at most 100 characters' })
    else out.role = role || null
  }
  const email = s(input.email)
  if (email !== undefined) {
    if (email && !EMAIL.test(email)) errors.push({ field: 'email', message: 'must be an e-mail address' })
    else out.email = email ? email.toLowerCase() : null
  }
  const phone = s(input.phone)
  if (phone !== undefined) {
    if (phone && !PHONE.test(phone)) errors.push({ field: 'phone', message: 'must be a phone number (digits, spaces, + - ( ) .)' })
    else out.phone = phone || null
  }
  if (errors.length) throw new ValidationError(errors)
  return out
}

/** Contacts of a customer the actor may see (404 otherwise). */
export async function listContacts(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, customerId: number): Promise<Contact[]> {
  await getCustomer(db, actor, customerId)
  return db.select().from(customerContacts).where(eq(customerContacts.customerId, customerId)).orderBy(asc(customerContacts.id))
}

export async function addContact(db: DbOrTx, deps: CrmDeps, actor: Actor, customerId: number, input: ContactInput): Promise<Contact> {
  const values = checkContact(input, false)
  return db.transaction(async (tx) => {
    await getCustomer(tx, actor, customerId)
    const [row] = await tx
      .insert(customerContacts)
      .values({ customerId, name: values.name!, role: values.role ?? null, email: values.email ?? null, phone: values.phone ?? null })
      .returning()
    await auditChange(tx, deps.clock, actor, { action: 'customer.contact.create', entity: 'customer', entityId: customerId, after: row })
    return row!
  })
}

async function loadContact(tx: DbOrTx, actor: Pick<Actor, 'partnerIds'>, customerId: number, contactId: number): Promise<Contact> {
  await getCustomer(tx, actor, customerId)
  const [row] = await tx
    .select()
    .from(customerContacts)
    .where(and(eq(customerContacts.id, contactId), eq(customerContacts.customerId, customerId)))
  if (!row) throw new NotFoundError('Contact', contactId)
  return row
}

export async function updateContact(
  db: DbOrTx,
  deps: CrmDeps,
  actor: Actor,
  customerId: number,
  contactId: number,
  input: ContactInput,
): Promise<Contact> {
  const values = checkContact(input, true)
  return db.transaction(async (tx) => {
    const before = await loadContact(tx, actor, customerId, contactId)
    const [row] = await tx.update(customerContacts).set(values).where(eq(customerContacts.id, contactId)).returning()
    await auditChange(tx, deps.clock, actor, { action: 'customer.contact.update', entity: 'customer', entityId: customerId, before, after: row })
    return row!
  })
}

export async function deleteContact(db: DbOrTx, deps: CrmDeps, actor: Actor, customerId: number, contactId: number): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await loadContact(tx, actor, customerId, contactId)
    await tx.delete(customerContacts).where(eq(customerContacts.id, contactId))
    await auditChange(tx, deps.clock, actor, { action: 'customer.contact.delete', entity: 'customer', entityId: customerId, before })
  })
}
