import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { admins } from '../admins/schema.ts'
import { customers } from '../customers/schema.ts'
import { partners } from '../partners/schema.ts'
import { plans, taxRates } from '../plans/schema.ts'
import { services } from '../services/schema.ts'

const amount = () => numeric({ precision: 18, scale: 4 })
const rate = () => numeric({ precision: 18, scale: 6 })

/** The id and the account (customer and its partner) every finance document starts with; fresh builders per table. */
const accountDocumentColumns = () => ({
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  customerId: integer()
    .notNull()
    .references(() => customers.id, { onDelete: 'restrict' }),
  partnerId: integer()
    .notNull()
    .references(() => partners.id, { onDelete: 'restrict' }),
})

/**
 * Gapless document counters. One row per series and counter key (the values of the pattern's
 * variables that restart numbering: year, partner, ...). The row is incremented inside the
 * transaction that issues the document, so its lock serialises issuers and a rollback gives the
 * number back: no gaps, no duplicates.
 */
export const documentCounters = pgTable(
  'document_counters',
  {
    /** invoice, proforma, credit_note, receipt, ... (a partner with its own pattern: invoice:p2). */
    series: text().notNull(),
    /** From numbering.counterKey(): 'year=2026;partner_id=3', '' for a counter that never restarts. */
    counterKey: text().notNull(),
    lastValue: bigint({ mode: 'number' }).notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.series, t.counterKey] })],
)

export const billingType = pgEnum('billing_type', [
  'recurring_postpaid',
  'recurring_prepaid',
  'prepaid_daily',
  'prepaid_monthly',
])

/**
 * A customer's billing terms (Splynx's "billing config"). One row per customer, made with the
 * customer; a null column takes the finance settings' default, so changing a default reaches every
 * customer who never had their own value.
 */
export const customerBilling = pgTable(
  'customer_billing',
  {
    customerId: integer()
      .primaryKey()
      .references(() => customers.id, { onDelete: 'cascade' }),
    type: billingType().notNull().default('recurring_postpaid'),
    /** Recurring prepaid: periods billed per invoice, 1..12. */
    periodsAhead: integer().notNull().default(1),
    /** False: no invoices are made for this customer (internal accounts, free lines). */
    enabled: boolean().notNull().default(true),
    paymentDueDays: integer(),
    /** Days after the due date before blocking (0 = block on the day after the due date). */
    blockingPeriodDays: integer(),
    /** Days after blocking before the customer is deactivated. */
    deactivationPeriodDays: integer(),
    /** Blocking starts when the overdue debt is above this amount. */
    minimumBalance: amount(),
    lateFees: boolean().notNull().default(true),
    /** Ends an exemption from blocking ("promise to pay"), inclusive. */
    doNotBlockUntil: date({ mode: 'string' }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('customer_billing_periods_ahead', sql`${t.periodsAhead} between 1 and 12`),
    check('customer_billing_due_days', sql`${t.paymentDueDays} is null or ${t.paymentDueDays} between 0 and 365`),
  ],
)

/** How far each service has been billed: the billing run's resume point and double-billing guard. */
export const serviceBilling = pgTable('service_billing', {
  serviceId: integer()
    .primaryKey()
    .references(() => services.id, { onDelete: 'cascade' }),
  /** Last day invoiced (inclusive). */
  billedThrough: date({ mode: 'string' }).notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

export const invoiceKind = pgEnum('invoice_kind', ['invoice', 'proforma'])
export const invoiceStatus = pgEnum('invoice_status', ['issued', 'paid', 'overdue', 'void'])

/**
 * Invoices and proforma invoices. Issued ones are immutable: only status, paid amount and the void
 * fields ever change. A proforma has its own series and no effect on the balance.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    kind: invoiceKind().notNull().default('invoice'),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    partnerId: integer()
      .notNull()
      .references(() => partners.id, { onDelete: 'restrict' }),
    series: text().notNull(),
    number: text().notNull(),
    status: invoiceStatus().notNull().default('issued'),
    issueDate: date({ mode: 'string' }).notNull(),
    dueDate: date({ mode: 'string' }).notNull(),
    /** The billing period the invoice covers, when it comes from a run. */
    periodStart: date({ mode: 'string' }),
    periodEnd: date({ mode: 'string' }),
    currency: text().notNull(),
    language: text().notNull().default('en'),
    net: amount().notNull(),
    tax: amount().notNull(),
    total: amount().notNull(),
    /** Sum of payment allocations and credit notes applied; status 'paid' when it reaches total. */
    paidAmount: amount().notNull().default('0'),
    paidAt: timestamp({ withTimezone: true }),
    /** Name, address, VAT id of the customer and of the seller when issued: documents never change. */
    customerSnapshot: jsonb().$type<Record<string, string | null>>().notNull(),
    sellerSnapshot: jsonb().$type<Record<string, string | null>>().notNull(),
    note: text(),
    /** The payment reference printed on the document (QR); the number when null. */
    paymentReference: text(),
    billingRunId: integer(),
    /** A proforma that was turned into this invoice, or the invoice a proforma became. */
    proformaId: integer(),
    voidedAt: timestamp({ withTimezone: true }),
    voidReason: text(),
    createdBy: integer().references(() => admins.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('invoices_series_number_unique').on(t.series, t.number),
    index().on(t.customerId, t.issueDate),
    index().on(t.status, t.dueDate),
    index().on(t.issueDate),
    index().on(t.billingRunId),
    check('invoices_paid_range', sql`${t.paidAmount} >= 0`),
    check('invoices_due_after_issue', sql`${t.dueDate} >= ${t.issueDate}`),
  ],
)

/** Lines of invoices and proforma invoices. `chargeKey` makes a period of a service billable once. */
export const invoiceItems = pgTable(
  'invoice_items',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    invoiceId: integer()
      .notNull()
      .references(() => invoices.id, { onDelete: 'restrict' }),
    position: integer().notNull(),
    description: text().notNull(),
    serviceId: integer().references(() => services.id, { onDelete: 'restrict' }),
    planId: integer().references(() => plans.id, { onDelete: 'restrict' }),
    periodStart: date({ mode: 'string' }),
    periodEnd: date({ mode: 'string' }),
    quantity: numeric({ precision: 18, scale: 4 }).notNull(),
    unitPrice: rate().notNull(),
    discountPercent: numeric({ precision: 9, scale: 4 }).notNull().default('0'),
    /** Quantity × unit price less discount, rounded: the net, or the gross when the tax is included. */
    amount: amount().notNull(),
    taxRateId: integer().references(() => taxRates.id, { onDelete: 'restrict' }),
    taxPercent: numeric({ precision: 9, scale: 4 }).notNull().default('0'),
    taxIncluded: boolean().notNull().default(false),
    /** 'service:12:2026-01-01' for recurring charges, a plugin's sourceKey for its lines; null for manual lines. */
    chargeKey: text(),
    /**
     * Set when the invoice is voided: the line stays as it was printed (key included), but its charge
     * no longer holds the period, so a later run bills it again (Splynx re-bills a deleted invoice's
     * periods). The unique index covers live keys only: a period is billed once by a live document,
     * however many voided ones carried it before.
     */
    releasedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index().on(t.invoiceId, t.position),
    index().on(t.serviceId, t.periodStart),
    uniqueIndex('invoice_items_live_charge_key_unique').on(t.chargeKey).where(sql`${t.releasedAt} is null`),
  ],
)

/** Tax per rate of an invoice or credit note, computed once per rate (the tax report reads these). */
export const documentTaxes = pgTable(
  'document_taxes',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    invoiceId: integer().references(() => invoices.id, { onDelete: 'restrict' }),
    creditNoteId: integer().references(() => creditNotes.id, { onDelete: 'restrict' }),
    taxRateId: integer().references(() => taxRates.id, { onDelete: 'restrict' }),
    ratePercent: numeric({ precision: 9, scale: 4 }).notNull(),
    included: boolean().notNull(),
    net: amount().notNull(),
    tax: amount().notNull(),
    gross: amount().notNull(),
  },
  (t) => [
    index().on(t.invoiceId),
    index().on(t.creditNoteId),
    check('document_taxes_one_document', sql`(${t.invoiceId} is null) <> (${t.creditNoteId} is null)`),
  ],
)

export const creditNoteStatus = pgEnum('credit_note_status', ['issued', 'void'])

/** Credit notes: a credit against an invoice (or the account), immutable once issued. */
export const creditNotes = pgTable(
  'credit_notes',
  {
    ...accountDocumentColumns(),
    invoiceId: integer().references(() => invoices.id, { onDelete: 'restrict' }),
    series: text().notNull(),
    number: text().notNull(),
    status: creditNoteStatus().notNull().default('issued'),
    issueDate: date({ mode: 'string' }).notNull(),
    currency: text().notNull(),
    language: text().notNull().default('en'),
    net: amount().notNull(),
    tax: amount().notNull(),
    total: amount().notNull(),
    reason: text().notNull(),
    customerSnapshot: jsonb().$type<Record<string, string | null>>().notNull(),
    sellerSnapshot: jsonb().$type<Record<string, string | null>>().notNull(),
    voidedAt: timestamp({ withTimezone: true }),
    voidReason: text(),
    createdBy: integer().references(() => admins.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('credit_notes_series_number_unique').on(t.series, t.number),
    index().on(t.customerId, t.issueDate),
    index().on(t.invoiceId),
    check('credit_notes_total_positive', sql`${t.total} > 0`),
  ],
)

export const creditNoteItems = pgTable(
  'credit_note_items',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    creditNoteId: integer()
      .notNull()
      .references(() => creditNotes.id, { onDelete: 'restrict' }),
    position: integer().notNull(),
    /** The invoice line this credits, if any. */
    invoiceItemId: integer().references(() => invoiceItems.id, { onDelete: 'restrict' }),
    description: text().notNull(),
    serviceId: integer().references(() => services.id, { onDelete: 'restrict' }),
    periodStart: date({ mode: 'string' }),
    periodEnd: date({ mode: 'string' }),
    quantity: numeric({ precision: 18, scale: 4 }).notNull(),
    unitPrice: rate().notNull(),
    amount: amount().notNull(),
    taxRateId: integer().references(() => taxRates.id, { onDelete: 'restrict' }),
    taxPercent: numeric({ precision: 9, scale: 4 }).notNull().default('0'),
    taxIncluded: boolean().notNull().default(false),
    /**
     * A billing run whose result is a credit (a plan change credit larger than the new charges) issues
     * a credit note instead of a negative invoice: its lines carry the run's charge keys, exactly as
     * invoice lines do, and lose their hold (releasedAt) when the credit note is voided.
     */
    chargeKey: text(),
    releasedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index().on(t.creditNoteId, t.position),
    index().on(t.invoiceItemId),
    uniqueIndex('credit_note_items_live_charge_key_unique').on(t.chargeKey).where(sql`${t.releasedAt} is null`),
  ],
)

export const paymentMethod = pgEnum('payment_method', ['cash', 'bank_transfer', 'card', 'online', 'other'])
export const paymentStatus = pgEnum('payment_status', ['posted', 'void'])

/** Money received. A gateway payment is unique per (gateway, gateway reference): a webhook twice pays once. */
export const payments = pgTable(
  'payments',
  {
    ...accountDocumentColumns(),
    method: paymentMethod().notNull(),
    status: paymentStatus().notNull().default('posted'),
    amount: amount().notNull(),
    currency: text().notNull(),
    receivedOn: date({ mode: 'string' }).notNull(),
    /** The payer's reference (bank transfer text, invoice number). */
    reference: text(),
    gateway: text(),
    gatewayReference: text(),
    receiptNumber: text(),
    note: text(),
    voidedAt: timestamp({ withTimezone: true }),
    voidReason: text(),
    createdBy: integer().references(() => admins.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.customerId, t.receivedOn),
    index().on(t.receivedOn),
    uniqueIndex('payments_gateway_reference_unique')
      .on(t.gateway, t.gatewayReference)
      .where(sql`${t.gateway} is not null and ${t.gatewayReference} is not null`),
    uniqueIndex('payments_receipt_number_unique').on(t.receiptNumber),
    check('payments_amount_positive', sql`${t.amount} > 0`),
  ],
)

/** How a payment (or a credit note) settles invoices. Rows are added, never changed; a void adds a negative row. */
export const paymentAllocations = pgTable(
  'payment_allocations',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    invoiceId: integer()
      .notNull()
      .references(() => invoices.id, { onDelete: 'restrict' }),
    paymentId: integer().references(() => payments.id, { onDelete: 'restrict' }),
    creditNoteId: integer().references(() => creditNotes.id, { onDelete: 'restrict' }),
    amount: amount().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.invoiceId),
    index().on(t.paymentId),
    index().on(t.creditNoteId),
    check('payment_allocations_source', sql`(${t.paymentId} is null) <> (${t.creditNoteId} is null)`),
  ],
)

export const ledgerKind = pgEnum('ledger_kind', [
  'invoice',
  'credit_note',
  'payment',
  'payment_void',
  'invoice_void',
  'credit_note_void',
  'adjustment',
  'late_fee',
  'top_up',
  'refund',
])

/**
 * The customer account: append-only (a trigger refuses UPDATE and DELETE). Balance = credits − debits.
 * A correction is a new row pointing at the row it corrects.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigint({ mode: 'bigint' }).primaryKey().generatedByDefaultAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    partnerId: integer()
      .notNull()
      .references(() => partners.id, { onDelete: 'restrict' }),
    kind: ledgerKind().notNull(),
    entryDate: date({ mode: 'string' }).notNull(),
    debit: amount().notNull().default('0'),
    credit: amount().notNull().default('0'),
    description: text().notNull(),
    invoiceId: integer().references(() => invoices.id, { onDelete: 'restrict' }),
    creditNoteId: integer().references(() => creditNotes.id, { onDelete: 'restrict' }),
    paymentId: integer().references(() => payments.id, { onDelete: 'restrict' }),
    correctsId: bigint({ mode: 'bigint' }),
    createdBy: integer().references(() => admins.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.customerId, t.entryDate, t.id),
    index().on(t.entryDate),
    index().on(t.invoiceId),
    index().on(t.paymentId),
    check('ledger_one_side', sql`${t.debit} >= 0 and ${t.credit} >= 0 and (${t.debit} = 0) <> (${t.credit} = 0)`),
  ],
)

/**
 * One-off charges waiting for the next invoice: activation and cancellation fees, late fees, top-ups,
 * one-time plans. Shown as upcoming charges, never netted into the balance until invoiced.
 */
export const pendingCharges = pgTable(
  'pending_charges',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    serviceId: integer().references(() => services.id, { onDelete: 'restrict' }),
    description: text().notNull(),
    chargeDate: date({ mode: 'string' }).notNull(),
    quantity: numeric({ precision: 18, scale: 4 }).notNull().default('1'),
    unitPrice: rate().notNull(),
    taxRateId: integer().references(() => taxRates.id, { onDelete: 'restrict' }),
    /** Idempotency: 'late_fee:inv-12:2026-03-04', 'activation:service-5'. */
    sourceKey: text().notNull(),
    /** Set when the charge lands on an invoice. */
    invoiceItemId: integer().references(() => invoiceItems.id, { onDelete: 'restrict' }),
    createdBy: integer().references(() => admins.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('pending_charges_source_unique').on(t.sourceKey),
    index('pending_charges_open').on(t.customerId).where(sql`${t.invoiceItemId} is null`),
  ],
)

export const billingRunStatus = pgEnum('billing_run_status', [
  'previewing',
  'preview',
  'committing',
  'committed',
  'failed',
  'cancelled',
])

/** A billing run: a preview (dry run) an admin confirms, then the commit that issues the invoices. */
export const billingRuns = pgTable(
  'billing_runs',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    /** The invoice date; periods due on it are billed. */
    runDate: date({ mode: 'string' }).notNull(),
    status: billingRunStatus().notNull().default('previewing'),
    /** Limits the run to one partner's customers; null = all. */
    partnerId: integer().references(() => partners.id, { onDelete: 'restrict' }),
    /** Confirms itself at this time unless cancelled; null = by hand only. */
    autoConfirmAt: timestamp({ withTimezone: true }),
    customers: integer().notNull().default(0),
    invoices: integer().notNull().default(0),
    net: amount().notNull().default('0'),
    tax: amount().notNull().default('0'),
    total: amount().notNull().default('0'),
    error: text(),
    createdBy: integer().references(() => admins.id, { onDelete: 'set null' }),
    confirmedBy: integer().references(() => admins.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    confirmedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.status), index().on(t.runDate)],
)

/** credited: the customer's result was a credit, issued as a credit note (never a negative invoice). */
export const billingRunItemStatus = pgEnum('billing_run_item_status', ['pending', 'invoiced', 'skipped', 'failed', 'credited'])

/** One customer of a run: its previewed lines, then the invoice the commit issued for it. */
export const billingRunItems = pgTable(
  'billing_run_items',
  {
    runId: integer()
      .notNull()
      .references(() => billingRuns.id, { onDelete: 'cascade' }),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    status: billingRunItemStatus().notNull().default('pending'),
    /** The previewed lines (description, plan, period, amounts as decimal strings). */
    lines: jsonb().$type<Record<string, unknown>[]>().notNull(),
    net: amount().notNull(),
    tax: amount().notNull(),
    total: amount().notNull(),
    invoiceId: integer().references(() => invoices.id, { onDelete: 'restrict' }),
    creditNoteId: integer().references(() => creditNotes.id, { onDelete: 'restrict' }),
    error: text(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.customerId] }), index().on(t.runId, t.status)],
)
