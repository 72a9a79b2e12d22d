/** TypeBox schemas of the RADIUS API. */
import { Type } from '../../../core/plugin-api.ts'
import type { NasRow } from '../service/nas.ts'
import type { AuthLogView, SessionView } from '../service/sessions.ts'

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
export const SessionIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

const NasType = Type.Union([
  Type.Literal('mikrotik'),
  Type.Literal('cisco'),
  Type.Literal('juniper'),
  Type.Literal('generic'),
])

export const Nas = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  ipAddress: Type.String(),
  type: NasType,
  coaPort: Type.Integer(),
  requireMessageAuthenticator: Type.Boolean(),
  partnerId: Type.Union([Type.Integer(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  requests: Type.Integer({ description: 'Datagrams received from this NAS (flushed every few seconds)' }),
  lastSeenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

const nasFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  ipAddress: Type.String({ minLength: 2, maxLength: 45, description: 'Source address of its packets' }),
  secret: Type.String({
    minLength: 6,
    maxLength: 128,
    description: 'Shared secret; stored encrypted, never returned',
  }),
  type: NasType,
  coaPort: Type.Integer({ minimum: 1, maximum: 65535 }),
  requireMessageAuthenticator: Type.Boolean(),
  partnerId: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  description: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
}

export const NasCreate = Type.Object({
  name: nasFields.name,
  ipAddress: nasFields.ipAddress,
  secret: nasFields.secret,
  type: Type.Optional(nasFields.type),
  coaPort: Type.Optional(nasFields.coaPort),
  requireMessageAuthenticator: Type.Optional(nasFields.requireMessageAuthenticator),
  partnerId: Type.Optional(nasFields.partnerId),
  description: Type.Optional(nasFields.description),
})

export const NasUpdate = Type.Partial(NasCreate)

export const Session = Type.Object({
  id: Type.Integer(),
  nasId: Type.Integer(),
  nasName: Type.Union([Type.String(), Type.Null()]),
  acctSessionId: Type.String(),
  userName: Type.String(),
  serviceId: Type.Union([Type.Integer(), Type.Null()]),
  customerId: Type.Union([Type.Integer(), Type.Null()]),
  customerName: Type.Union([Type.String(), Type.Null()]),
  framedIpAddress: Type.Union([Type.String(), Type.Null()]),
  callingStationId: Type.Union([Type.String(), Type.Null()]),
  nasPortId: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String({ format: 'date-time' }),
  lastUpdateAt: Type.String({ format: 'date-time' }),
  stoppedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  sessionTime: Type.Integer(),
  inputOctets: Type.String({ description: 'Octets from the subscriber (upload), a decimal string' }),
  outputOctets: Type.String({ description: 'Octets to the subscriber (download), a decimal string' }),
  terminateCause: Type.Union([Type.String(), Type.Null()]),
})

export const SessionQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  online: Type.Optional(Type.Boolean()),
  customerId: Type.Optional(Type.Integer({ minimum: 1 })),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
})

export const AuthLogEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  nasId: Type.Union([Type.Integer(), Type.Null()]),
  nasName: Type.Union([Type.String(), Type.Null()]),
  userName: Type.String(),
  serviceId: Type.Union([Type.Integer(), Type.Null()]),
  customerId: Type.Union([Type.Integer(), Type.Null()]),
  outcome: Type.String({ description: 'reject or restricted' }),
  reason: Type.String(),
  detail: Type.Union([Type.String(), Type.Null()]),
  method: Type.String(),
  callingStationId: Type.Union([Type.String(), Type.Null()]),
})

export const AuthLogQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  reason: Type.Optional(Type.String({ maxLength: 40 })),
  customerId: Type.Optional(Type.Integer({ minimum: 1 })),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
})

export const CoaResult = Type.Object({
  sessionId: Type.Integer(),
  kind: Type.String(),
  status: Type.String({
    description: 'ack, nak, timeout (sent again by the radius:coa-retry job), failed (given up) or no-nas',
  }),
  attempts: Type.Integer(),
  errorCause: Type.Optional(Type.Integer()),
})

export const UsageQuery = Type.Object({
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
})

export const UsageDay = Type.Object({
  day: Type.String({ format: 'date' }),
  inputOctets: Type.String(),
  outputOctets: Type.String(),
})

export const Page = <T extends import('../../../core/plugin-api.ts').TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    perPage: Type.Integer(),
  })

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

export const nasOut = (r: NasRow) => ({
  ...r,
  lastSeenAt: iso(r.lastSeenAt),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

export const sessionOut = (r: SessionView) => ({
  ...r,
  startedAt: r.startedAt.toISOString(),
  lastUpdateAt: r.lastUpdateAt.toISOString(),
  stoppedAt: iso(r.stoppedAt),
})

export const authLogOut = (r: AuthLogView) => ({ ...r, at: r.at.toISOString() })

export const TopUpBody = Type.Object({
  /** Index of the top-up in the plan's list. */
  option: Type.Integer({ minimum: 0, maximum: 99 }),
})

export const TopUpResult = Type.Object({
  serviceId: Type.Integer(),
  periodStart: Type.String({ format: 'date' }),
  name: Type.String(),
  mb: Type.Integer(),
  price: Type.String(),
  topUpMb: Type.Integer(),
  topUpCount: Type.Integer(),
  sourceKey: Type.String(),
  capped: Type.Boolean(),
  coa: Type.Array(CoaResult),
})
