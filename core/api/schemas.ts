import { Type } from 'typebox'

export const ErrorBody = Type.Object({
  error: Type.String(),
  message: Type.String(),
  fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
})

/** Standard error responses of an authenticated API route. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
}

/** A timestamp: a Date in handlers, an ISO 8601 string on the wire. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' })
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()])

export const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  adminId: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to tell keys apart' }),
  permissions: Type.Array(Type.String()),
  createdAt: Timestamp,
  lastUsedAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
})

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
