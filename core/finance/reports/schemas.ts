import { Type } from 'typebox'

const Money = Type.String({ description: 'Decimal amount, rounded to the currency' })
const Day = Type.String({ format: 'date' })
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })

/** Filters every report takes; `format=csv` (panel pages only) downloads the table. */
export const ReportQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date', description: 'First day (default: the 1st, eleven months before `to`)' })),
  to: Type.Optional(Type.String({ format: 'date', description: 'Last day (default: today)' })),
  partnerId: Type.Optional(Id),
  asOf: Type.Optional(Type.String({ format: 'date', description: 'Aging: the day ages are counted on (default: today)' })),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
})
export const PageQuery = Type.Object({
  ...ReportQuery.properties,
  format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('csv')])),
})

const Period = { from: Day, to: Day }
const RevenueRow = { invoiced: Money, credited: Money, net: Money }

export const RevenueReply = Type.Object({
  ...Period,
  byMonth: Type.Array(Type.Object({ month: Type.String(), ...RevenueRow })),
  byPlan: Type.Array(Type.Object({ planId: Type.Union([Type.Integer(), Type.Null()]), plan: Type.String(), ...RevenueRow })),
  total: Type.Object(RevenueRow),
})

export const MrrReply = Type.Object({
  ...Period,
  months: Type.Array(Type.Object({ month: Type.String(), asOf: Day, mrr: Money, customers: Type.Integer(), arpu: Money })),
})

const TaxAmounts = {
  taxRateId: Type.Union([Type.Integer(), Type.Null()]),
  rate: Type.String(),
  ratePercent: Type.String(),
  included: Type.Boolean(),
  net: Money,
  tax: Money,
  gross: Money,
}
export const TaxReply = Type.Object({
  ...Period,
  rows: Type.Array(Type.Object({ month: Type.String(), ...TaxAmounts })),
  byRate: Type.Array(Type.Object(TaxAmounts)),
  total: Type.Object({ net: Money, tax: Money, gross: Money }),
})

const AgingAmounts = { current: Money, d0_30: Money, d31_60: Money, d61_90: Money, d90_plus: Money, total: Money }
export const AgingReply = Type.Object({
  asOf: Day,
  count: Type.Integer({ description: 'Customers with unpaid invoices (all pages)' }),
  customers: Type.Array(Type.Object({ customerId: Type.Integer(), login: Type.String(), name: Type.String(), ...AgingAmounts })),
  totals: Type.Object(AgingAmounts),
})

const TrialAmounts = { opening: Money, debits: Money, credits: Money, closing: Money }
export const TrialBalanceReply = Type.Object({
  ...Period,
  count: Type.Integer({ description: 'Customers with ledger entries (all pages)' }),
  customers: Type.Array(Type.Object({ customerId: Type.Integer(), login: Type.String(), name: Type.String(), ...TrialAmounts })),
  totals: Type.Object(TrialAmounts),
})

export const DebtorsReply = Type.Object({
  debtors: Type.Array(
    Type.Object({
      customerId: Type.Integer(),
      login: Type.String(),
      name: Type.String(),
      status: Type.String(),
      debt: Money,
      overdue: Money,
      oldestDue: Type.Union([Day, Type.Null()]),
    }),
  ),
})
