import { Type } from 'typebox'
import { PLAN_TYPES } from '../plans/validation.ts'
import { SERVICE_STATUSES } from './validation.ts'

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)))
const Nullable = (max: number, description?: string) =>
  Type.Union([Type.String({ maxLength: max }), Type.Null()], description ? { description } : {})
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
const Day = (description?: string) => Type.String({ maxLength: 10, description: description ?? 'YYYY-MM-DD' })
const NullableDay = (description?: string) => Type.Union([Day(), Type.Null()], { description: description ?? 'YYYY-MM-DD' })

export const Status = literals(SERVICE_STATUSES)
export const IdParams = Type.Object({ id: Id })

const serviceProps = {
  planId: Id,
  description: Nullable(500, 'Invoice line text; the plan name when empty'),
  quantity: Type.String({ maxLength: 30, description: 'Decimal string greater than 0, e.g. "1" or "2.5"' }),
  unitPrice: Nullable(30, "Decimal string replacing the plan's price; null = the plan's price"),
  discountPercent: Type.String({ maxLength: 12, description: 'Decimal string 0..100' }),
  discountStart: NullableDay('First day of the discount; null = from the start'),
  discountEnd: NullableDay('Last day of the discount; null = open-ended'),
  startDate: Day('First billed day; defaults to today'),
  endDate: NullableDay('Last billed day; null = open-ended'),
  login: Nullable(64, "Internet services: unique among live ones; defaults to the customer's login"),
  password: Nullable(128, 'Internet services: stored encrypted; generated when left out'),
  ipv4Address: Nullable(15, 'Static IPv4 address'),
  ipv6Address: Nullable(50, 'Static IPv6 address or delegated prefix'),
  ipPool: Nullable(64, 'Pool name the NAS assigns from, when there is no static IPv4 address'),
  mac: Nullable(20, 'Normalised to AA:BB:CC:DD:EE:FF'),
  nasId: Type.Union([Id, Type.Null()], { description: 'Router/NAS id of the network plugins' }),
}

const optional = (props: Record<string, import('typebox').TSchema>) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)]))

const { planId, ...rest } = serviceProps
export const ServiceCreate = Type.Object({
  planId,
  ...optional(rest),
  status: Type.Optional(literals(['pending', 'active', 'disabled'] as const)),
})
export const ServicePatch = Type.Object(optional(serviceProps), { minProperties: 1 })

export const Service = Type.Object({
  id: Type.Integer(),
  customerId: Type.Integer(),
  partnerId: Type.Integer(),
  planId: Type.Integer(),
  type: literals(PLAN_TYPES),
  description: Type.String(),
  quantity: Type.String(),
  unitPrice: Type.Union([Type.String(), Type.Null()]),
  discountPercent: Type.String(),
  discountStart: Type.Union([Type.String(), Type.Null()]),
  discountEnd: Type.Union([Type.String(), Type.Null()]),
  startDate: Type.String(),
  endDate: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  nextPlanId: Type.Union([Type.Integer(), Type.Null()]),
  planChangeDate: Type.Union([Type.String(), Type.Null()]),
  login: Type.Union([Type.String(), Type.Null()]),
  hasPassword: Type.Boolean(),
  ipv4Address: Type.Union([Type.String(), Type.Null()]),
  ipv6Address: Type.Union([Type.String(), Type.Null()]),
  ipPool: Type.Union([Type.String(), Type.Null()]),
  mac: Type.Union([Type.String(), Type.Null()]),
  nasId: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const ListQuery = Type.Object({ status: Type.Optional(Status) })
export const StatusBody = Type.Object({ status: Status })
export const EndBody = Type.Object({ endDate: Day('Last billed day') })
export const PlanChangeBody = Type.Object({
  planId: Id,
  effectiveDate: Day('First day on the new plan: today (applied at once) or later'),
})
export const MassPlanChangeBody = Type.Object({
  fromPlanId: Id,
  toPlanId: Id,
  effectiveDate: Day('First day on the new plan: today (applied at once) or later'),
})
export const MassPlanChangeReply = Type.Object({
  services: Type.Integer({ description: 'Services moved or scheduled' }),
  applied: Type.Integer({ description: 'Of those, changed at once (effective today)' }),
})
export const PasswordReply = Type.Object({ password: Type.Union([Type.String(), Type.Null()]) })
