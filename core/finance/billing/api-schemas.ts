import { Type } from 'typebox'

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
const Money = Type.String({ description: 'Decimal string' })
const NullableText = Type.Union([Type.String(), Type.Null()])

export const IdParams = Type.Object({ id: Id })

export const RunCreate = Type.Object({
  runDate: Type.String({ maxLength: 10, description: 'Invoice date, YYYY-MM-DD: the periods due on it are billed' }),
  partnerId: Type.Optional(Type.Union([Id, Type.Null()], { description: "Only this partner's customers; null = all" })),
})

export const Run = Type.Object({
  id: Type.Integer(),
  runDate: Type.String(),
  status: Type.String({ description: 'previewing, preview, committing, committed, failed or cancelled' }),
  partnerId: Type.Union([Type.Integer(), Type.Null()]),
  autoConfirmAt: NullableText,
  customers: Type.Integer(),
  invoices: Type.Integer(),
  net: Money,
  tax: Money,
  total: Money,
  error: NullableText,
  createdAt: Type.String(),
  confirmedAt: NullableText,
  finishedAt: NullableText,
})

export const RunList = Type.Object({ total: Type.Integer(), runs: Type.Array(Run) })

export const Page = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
})

export const ItemsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  status: Type.Optional(Type.Union(['pending', 'invoiced', 'credited', 'skipped', 'failed'].map((s) => Type.Literal(s)))),
})

export const Line = Type.Object({
  kind: Type.String(),
  description: Type.String(),
  serviceId: Type.Union([Type.Integer(), Type.Null()]),
  planId: Type.Union([Type.Integer(), Type.Null()]),
  periodStart: NullableText,
  periodEnd: NullableText,
  quantity: Money,
  unitPrice: Money,
  discountPercent: Money,
  amount: Money,
  taxRateId: Type.Union([Type.Integer(), Type.Null()]),
  chargeKey: Type.String(),
})

export const Item = Type.Object({
  customerId: Type.Integer(),
  customerName: Type.String(),
  status: Type.String(),
  net: Money,
  tax: Money,
  total: Money,
  document: Type.String({ description: 'What the customer gets: invoice, or credit_note when the total is a credit (invoices are never negative)' }),
  invoiceId: Type.Union([Type.Integer(), Type.Null()]),
  invoiceNumber: NullableText,
  creditNoteId: Type.Union([Type.Integer(), Type.Null()]),
  creditNoteNumber: NullableText,
  error: NullableText,
  lines: Type.Array(Line),
})

export const PlanTotal = Type.Object({ planId: Type.Union([Type.Integer(), Type.Null()]), plan: Type.String(), lines: Type.Integer(), amount: Money })

export const RunDetail = Type.Object({
  run: Run,
  perPlan: Type.Array(PlanTotal),
  items: Type.Object({ total: Type.Integer(), items: Type.Array(Item) }),
})
