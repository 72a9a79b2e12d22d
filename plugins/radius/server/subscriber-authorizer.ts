/**
 * The standard authorizer: look the user up in a SubscriberSource, check the password by whatever
 * method the NAS used, then MAC binding and account state.
 */
import type { NamedAttribute } from '../protocol/dictionary.ts'
import { type AccessRequest, type Authorizer, type Decision, RestrictReason } from './types.ts'

export interface Subscriber {
  /** Opaque id, for the source's own use (e.g. the service id). */
  id: string | number
  /** Cleartext password: CHAP and MS-CHAP cannot be checked against a one-way hash. */
  password: string
  /** 'active' gets a normal session; the others a restricted one (reason 1 or 2). */
  state: 'active' | 'blocked' | 'negative-balance'
  /** Allowed Calling-Station-Id values (MACs); empty or unset means any. */
  macs?: string[]
  /** Bind the first MAC seen when `macs` is empty. */
  bindMacOnFirstConnect?: boolean
  /** Reply attributes of a normal session, built from the plan (Framed-IP-Address, Mikrotik-Rate-Limit, ...). */
  replyAttributes: NamedAttribute[]
}

export interface SubscriberSource {
  find(userName: string, request: AccessRequest): Promise<Subscriber | null>
  /** Stores a MAC bound on first connect. */
  bindMac?(subscriber: Subscriber, mac: string): Promise<void>
}

/** MACs compare without separators or case: "AA:BB:CC:00:11:22" = "aa-bb-cc-00-11-22" = "aabb.cc00.1122". */
export function normalizeMac(mac: string): string {
  return mac.replace(/[^0-9a-f]/gi, '').toLowerCase()
}

export function subscriberAuthorizer(source: SubscriberSource): Authorizer {
  return async (request: AccessRequest): Promise<Decision> => {
    const subscriber = await source.find(request.userName, request)
    if (!subscriber) return { kind: 'restrict', reason: RestrictReason.UserNotFound }

    const check = request.verifyPassword(subscriber.password)
    if (!check.ok) return { kind: 'restrict', reason: RestrictReason.WrongPassword }
    const proof = check.proof

    const mac = request.callingStationId ? normalizeMac(request.callingStationId) : ''
    const macs = (subscriber.macs ?? []).map(normalizeMac).filter((m) => m !== '')
    if (macs.length > 0 && !macs.includes(mac))
      return { kind: 'restrict', reason: RestrictReason.WrongMac, proof }
    if (macs.length === 0 && subscriber.bindMacOnFirstConnect && mac && source.bindMac) {
      await source.bindMac(subscriber, request.callingStationId!)
    }

    if (subscriber.state === 'blocked') return { kind: 'restrict', reason: RestrictReason.Blocked, proof }
    if (subscriber.state === 'negative-balance')
      return { kind: 'restrict', reason: RestrictReason.NegativeBalance, proof }
    return { kind: 'accept', attributes: subscriber.replyAttributes, proof }
  }
}
