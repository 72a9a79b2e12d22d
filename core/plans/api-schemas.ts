import { Type } from 'typebox'
import { CAP_ACTIONS, CAP_DIRECTIONS, PLAN_TYPES } from './validation.ts'

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)))
const orNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
/** Money and percentages travel as decimal strings, never JSON numbers. */
const Dec = (description: string) => Type.String({ pattern: '^-?\\d+(\\.\\d+)?$', description })
const Int = (min: number, max: number, description?: string) =>
  Type.Integer({ minimum: min, maximum: max, ...(description ? { description } : {}) })

export const IdParams = Type.Object({ id: Int(1, 2_147_483_647) })
export const PlanType = literals(PLAN_TYPES)

const TopUp = Type.Object({
  name: Type.String({ maxLength: 100 }),
  mb: Int(1, 1_000_000_000),
  price: Dec('Price of the top-up'),
})
const FairUsageRule = Type.Object({
  name: Type.String({ maxLength: 100 }),
  kind: Type.Union([Type.Literal('free'), Type.Literal('speed')], {
    description: 'free: not counted; speed: speeds below apply',
  }),
  weekdays: Type.Optional(
    Type.Array(Int(1, 7), { description: 'ISO weekdays, 1 = Monday; default every day' }),
  ),
  from: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
  to: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
  downloadKbps: Type.Optional(Int(1, 100_000_000)),
  uploadKbps: Type.Optional(Int(1, 100_000_000)),
})
const BundleItem = Type.Object({ planId: Int(1, 2_147_483_647), quantity: Type.Optional(Int(1, 100)) })

const planProps = {
  type: PlanType,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  invoiceText: orNull(Type.String({ maxLength: 200 })),
  description: orNull(Type.String({ maxLength: 2000 })),
  price: Dec('Monthly price (one-time plans: the amount), up to 4 decimals'),
  taxRateId: orNull(Int(1, 2_147_483_647)),
  active: Type.Boolean(),
  allPartners: Type.Boolean({ description: 'false: only the partners in partnerIds may sell it' }),
  partnerIds: Type.Array(Int(1, 2_147_483_647)),
  downloadKbps: orNull(Int(1, 100_000_000)),
  uploadKbps: orNull(Int(1, 100_000_000)),
  burstPercent: orNull(Int(0, 1000, 'burst = rate × (100 + burst %) / 100')),
  burstThresholdPercent: orNull(Int(0, 100)),
  burstTimeS: orNull(Int(0, 86_400)),
  priority: orNull(Int(1, 8)),
  capMb: orNull(Type.Integer({ minimum: 1, description: 'Data cap per period in MB; null: unlimited' })),
  capDirection: orNull(literals(CAP_DIRECTIONS)),
  capAction: orNull(literals(CAP_ACTIONS)),
  capDownloadKbps: orNull(Int(1, 100_000_000)),
  capUploadKbps: orNull(Int(1, 100_000_000)),
  capReducePercent: orNull(Int(1, 99)),
  topUps: Type.Array(TopUp),
  fairUsage: Type.Array(FairUsageRule),
  voiceRateTableId: orNull(Int(1, 2_147_483_647)),
  voiceMarkupPercent: orNull(Dec('Markup on the buy price, %')),
  voiceIncludedMinutes: orNull(Int(0, 1_000_000)),
  activationFee: orNull(Dec('Charged once when the bundle is activated')),
  contractMonths: orNull(Int(0, 120)),
  earlyCancellationFee: orNull(Dec('Charged when the contract ends early')),
  items: Type.Array(BundleItem, { description: 'Plans in a bundle' }),
}

const { type, name, price, ...rest } = planProps
export const PlanCreate = Type.Object({
  type,
  name,
  price,
  ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Type.Optional(v)])),
})
const { type: _type, ...patchable } = planProps
export const PlanPatch = Type.Object(
  Object.fromEntries(Object.entries(patchable).map(([k, v]) => [k, Type.Optional(v)])),
  { minProperties: 1 },
)

export const Plan = Type.Object({
  id: Type.Integer(),
  ...planProps,
  items: Type.Array(Type.Object({ planId: Type.Integer(), quantity: Type.Integer() })),
  mikrotikRateLimit: Type.Optional(
    Type.String({ description: 'Internet plans: the Mikrotik-Rate-Limit value' }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const PlanListQuery = Type.Object({
  type: Type.Optional(PlanType),
  active: Type.Optional(Type.Boolean()),
  partnerId: Type.Optional(Type.Integer({ minimum: 1, description: 'Only plans this partner may sell' })),
  q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
})
export const PlanPage = Type.Object({
  items: Type.Array(Plan),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
})

const taxProps = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  ratePercent: Dec('Percent, up to 4 decimals: "23"'),
  included: Type.Boolean({ description: 'Prices with this tax already contain it' }),
  active: Type.Boolean(),
}
export const TaxRateCreate = Type.Object({
  name: taxProps.name,
  ratePercent: taxProps.ratePercent,
  included: Type.Optional(taxProps.included),
  active: Type.Optional(taxProps.active),
})
export const TaxRatePatch = Type.Partial(Type.Object(taxProps), { minProperties: 1 })
export const TaxRate = Type.Object({
  id: Type.Integer(),
  ...taxProps,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export const TaxRateListQuery = Type.Object({ active: Type.Optional(Type.Boolean()) })
