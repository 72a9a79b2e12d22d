import { Type } from 'typebox'

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()])
const Str = Type.String()
const Int = Type.Integer()
const Day = Type.String({ format: 'date' })
const Money = Type.String({ pattern: '^-?\\d{1,14}(\\.\\d{1,6})?$', description: 'Decimal string such as "19.99"' })
const Stamp = Type.String({ format: 'date-time' })
const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)))

export const IdParams = Type.Object({ id: Id })
export const ChargeParams = Type.Object({ id: Id, chargeId: Id })

const paging = {
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 25 })),
  dir: Type.Optional(literals(['asc', 'desc'] as const)),
}
const pageOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Int, page: Int, perPage: Int })

export const InvoiceStatus = literals(['issued', 'paid', 'overdue', 'void'] as const)
export const InvoiceKind = literals(['invoice', 'proforma'] as const)
export const PaymentMethod = literals(['cash', 'bank_transfer', 'card', 'online', 'other'] as const)

export const InvoiceQuery = Type.Object({
  kind: Type.Optional(InvoiceKind),
  status: Type.Optional(InvoiceStatus),
  customerId: Type.Optional(Id),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the number, or of the customer name or login' })),
  sort: Type.Optional(literals(['number', 'issueDate', 'dueDate', 'total', 'status', 'customer'] as const)),
  ...paging,
})

const snapshot = Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]))

export const Invoice = Type.Object({
  id: Int,
  kind: InvoiceKind,
  customerId: Int,
  partnerId: Int,
  series: Str,
  number: Str,
  status: InvoiceStatus,
  issueDate: Day,
  dueDate: Day,
  periodStart: Nullable(Str),
  periodEnd: Nullable(Str),
  currency: Str,
  language: Str,
  net: Money,
  tax: Money,
  total: Money,
  paidAmount: Money,
  due: Money,
  paidAt: Type.Union([Stamp, Type.Null()]),
  customerSnapshot: snapshot,
  sellerSnapshot: snapshot,
  note: Nullable(Str),
  paymentReference: Nullable(Str),
  billingRunId: Nullable(Int),
  proformaId: Nullable(Int),
  voidedAt: Type.Union([Stamp, Type.Null()]),
  voidReason: Nullable(Str),
  createdAt: Stamp,
})
export const InvoiceListItem = Type.Object({ ...Invoice.properties, customerName: Str, customerLogin: Str })
export const InvoicePage = pageOf(InvoiceListItem)

const TaxGroup = Type.Object({ taxRateId: Nullable(Int), ratePercent: Money, included: Type.Boolean(), net: Money, tax: Money, gross: Money })
export const InvoiceItem = Type.Object({
  id: Int,
  position: Int,
  description: Str,
  serviceId: Nullable(Int),
  planId: Nullable(Int),
  periodStart: Nullable(Str),
  periodEnd: Nullable(Str),
  quantity: Money,
  unitPrice: Money,
  discountPercent: Money,
  amount: Money,
  taxRateId: Nullable(Int),
  taxPercent: Money,
  taxIncluded: Type.Boolean(),
  chargeKey: Nullable(Str),
})
export const InvoiceDetail = Type.Object({
  ...Invoice.properties,
  items: Type.Array(InvoiceItem),
  taxes: Type.Array(TaxGroup),
  allocations: Type.Array(
    Type.Object({ paymentId: Nullable(Int), creditNoteId: Nullable(Int), receiptNumber: Nullable(Str), creditNoteNumber: Nullable(Str), amount: Money, createdAt: Stamp }),
  ),
  creditNotes: Type.Array(Type.Object({ id: Int, number: Str, total: Money, status: Str, issueDate: Day })),
})

export const InvoiceLine = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 500, description: "Required unless planId gives the plan's text" })),
  planId: Type.Optional(Nullable(Id)),
  quantity: Type.Optional(Money),
  unitPrice: Type.Optional(Money),
  discountPercent: Type.Optional(Money),
  taxRateId: Type.Optional(Nullable(Id)),
})
export const InvoiceCreate = Type.Object({
  customerId: Id,
  kind: Type.Optional(InvoiceKind),
  issueDate: Type.Optional(Day),
  dueDate: Type.Optional(Day),
  note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  lines: Type.Array(InvoiceLine, { minItems: 1, maxItems: 200 }),
})
export const InvoicePatch = Type.Record(Type.String(), Type.Unknown(), { description: 'Any change: always refused, issued invoices are immutable' })
export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) })
export const ConvertBody = Type.Object({ issueDate: Type.Optional(Day) })
export const ConvertReply = Type.Object({ proforma: Invoice, invoice: Invoice })

export const CreditNote = Type.Object({
  id: Int,
  customerId: Int,
  partnerId: Int,
  invoiceId: Nullable(Int),
  series: Str,
  number: Str,
  status: literals(['issued', 'void'] as const),
  issueDate: Day,
  currency: Str,
  language: Str,
  net: Money,
  tax: Money,
  total: Money,
  reason: Str,
  customerSnapshot: snapshot,
  sellerSnapshot: snapshot,
  voidedAt: Type.Optional(Type.Union([Stamp, Type.Null()])),
  voidReason: Type.Optional(Nullable(Str)),
  createdAt: Stamp,
})
export const CreditNoteListItem = Type.Object({ ...CreditNote.properties, customerName: Str, invoiceNumber: Nullable(Str) })
export const CreditNotePage = pageOf(CreditNoteListItem)
export const CreditNoteDetail = Type.Object({
  ...CreditNote.properties,
  items: Type.Array(
    Type.Object({ id: Int, position: Int, invoiceItemId: Nullable(Int), description: Str, quantity: Money, unitPrice: Money, amount: Money, taxRateId: Nullable(Int), taxPercent: Money, taxIncluded: Type.Boolean() }),
  ),
  taxes: Type.Array(TaxGroup),
})
export const CreditNoteQuery = Type.Object({
  customerId: Type.Optional(Id),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  search: Type.Optional(Type.String({ maxLength: 100 })),
  sort: Type.Optional(literals(['number', 'issueDate', 'total', 'customer'] as const)),
  ...paging,
})
export const CreditNoteCreate = Type.Object({
  invoiceId: Type.Optional(Id),
  customerId: Type.Optional(Id),
  issueDate: Type.Optional(Day),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  items: Type.Optional(Type.Array(Type.Object({ invoiceItemId: Id, amount: Money }), { maxItems: 200 })),
  amount: Type.Optional(Money),
  lines: Type.Optional(
    Type.Array(Type.Object({ description: Type.String({ minLength: 1, maxLength: 500 }), amount: Money, taxRateId: Type.Optional(Nullable(Id)) }), { maxItems: 200 }),
  ),
})

export const Payment = Type.Object({
  id: Int,
  customerId: Int,
  partnerId: Int,
  method: PaymentMethod,
  status: literals(['posted', 'void'] as const),
  amount: Money,
  currency: Str,
  receivedOn: Day,
  reference: Nullable(Str),
  gateway: Nullable(Str),
  gatewayReference: Nullable(Str),
  receiptNumber: Nullable(Str),
  note: Nullable(Str),
  voidedAt: Type.Union([Stamp, Type.Null()]),
  voidReason: Nullable(Str),
  createdAt: Stamp,
})
const Allocation = Type.Object({ invoiceId: Int, amount: Money })
export const PaymentCreate = Type.Object({
  customerId: Id,
  method: PaymentMethod,
  amount: Money,
  receivedOn: Type.Optional(Day),
  reference: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  gateway: Type.Optional(Nullable(Type.String({ maxLength: 60 }))),
  gatewayReference: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  invoiceId: Type.Optional(Nullable(Id)),
})
export const PaymentReply = Type.Object({ ...Payment.properties, allocations: Type.Array(Allocation), created: Type.Boolean() })
export const PaymentDetail = Type.Object({
  ...Payment.properties,
  allocations: Type.Array(Type.Object({ invoiceId: Int, number: Str, amount: Money, createdAt: Stamp })),
})
export const PaymentListItem = Type.Object({ ...Payment.properties, customerName: Str, allocated: Money })
export const PaymentPage = pageOf(PaymentListItem)
export const PaymentQuery = Type.Object({
  customerId: Type.Optional(Id),
  method: Type.Optional(PaymentMethod),
  status: Type.Optional(literals(['posted', 'void'] as const)),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  search: Type.Optional(Type.String({ maxLength: 100 })),
  sort: Type.Optional(literals(['receivedOn', 'amount', 'receiptNumber', 'customer', 'method'] as const)),
  ...paging,
})
export const UnallocateBody = Type.Object({ invoiceId: Type.Optional(Nullable(Id)) })
export const UnallocateReply = Type.Object({ unallocated: Type.Array(Allocation) })

export const Balance = Type.Object({
  customerId: Int,
  currency: Str,
  balance: Money,
  openCredit: Money,
  upcomingCharges: Money,
})
export const PeriodQuery = Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day) })
export const StatementQuery = Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day), format: Type.Optional(literals(['json', 'csv'] as const)) })
const StatementRow = Type.Object({
  id: Str,
  date: Day,
  kind: Str,
  description: Str,
  debit: Money,
  credit: Money,
  balance: Money,
  invoiceId: Nullable(Int),
  creditNoteId: Nullable(Int),
  paymentId: Nullable(Int),
})
export const Statement = Type.Object({
  customerId: Int,
  currency: Str,
  from: Day,
  to: Day,
  opening: Money,
  closing: Money,
  debits: Money,
  credits: Money,
  rows: Type.Array(StatementRow),
  upcoming: Type.Object({ total: Money, items: Type.Array(Type.Object({ description: Str, chargeDate: Day, amount: Money })) }),
})
export const LedgerEntry = Type.Object({
  id: Str,
  customerId: Int,
  kind: Str,
  entryDate: Day,
  debit: Money,
  credit: Money,
  description: Str,
  invoiceId: Nullable(Int),
  creditNoteId: Nullable(Int),
  paymentId: Nullable(Int),
  correctsId: Nullable(Str),
  createdAt: Stamp,
})
export const AdjustmentBody = Type.Object({
  side: literals(['debit', 'credit'] as const),
  amount: Money,
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  entryDate: Type.Optional(Day),
})
export const PendingCharge = Type.Object({
  id: Int,
  customerId: Int,
  serviceId: Nullable(Int),
  description: Str,
  chargeDate: Day,
  quantity: Money,
  unitPrice: Money,
  amount: Money,
  taxRateId: Nullable(Int),
  sourceKey: Str,
})
export const PendingChargeBody = Type.Object({
  description: Type.String({ minLength: 1, maxLength: 500 }),
  unitPrice: Money,
  quantity: Type.Optional(Money),
  chargeDate: Type.Optional(Day),
  taxRateId: Type.Optional(Nullable(Id)),
  serviceId: Type.Optional(Nullable(Id)),
})
export const BillingTerms = Type.Object({
  customerId: Int,
  type: literals(['recurring_postpaid', 'recurring_prepaid', 'prepaid_daily', 'prepaid_monthly'] as const),
  periodsAhead: Int,
  enabled: Type.Boolean(),
  paymentDueDays: Nullable(Int),
  blockingPeriodDays: Nullable(Int),
  deactivationPeriodDays: Nullable(Int),
  minimumBalance: Nullable(Str),
  lateFees: Type.Boolean(),
  doNotBlockUntil: Nullable(Str),
})
export const BillingTermsReply = Type.Object({
  terms: BillingTerms,
  defaults: Type.Object({ paymentDueDays: Int, blockingPeriodDays: Int, deactivationPeriodDays: Int, minimumBalance: Str, defaultBillingType: Str }),
})
export const BillingTermsPatch = Type.Partial(Type.Omit(BillingTerms, ['customerId']), { minProperties: 1 })
