/**
 * The standard authorizer: look the user up in a SubscriberSource, check the password by whatever
 * method the NAS used, then MAC binding and account state.
 */
import type { NamedAttribute } from '../protocol/dictionary.ts'
import type { MsChapProof } from './credentials.ts'
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
  /** An in-memory source answers synchronously, so the request needs no turn of the event loop. */
  find(userName: string, request: AccessRequest): Subscriber | null | Promise<Subscriber | null>
  /** Stores a MAC bound on first connect. */
  bindMac?(subscriber: Subscriber, mac: string): Promise<void>
}

/** MACs compare without separators or case: "AA:BB:CC:00:11:22" = "aa-bb-cc-00-11-22" = "aabb.cc00.1122". */
export function normalizeMac(mac: string): string {
  return mac.replace(/[^0-9a-f]/gi, '').toLowerCase()
}

export function subscriberAuthorizer(source: SubscriberSource): Authorizer {
  return (request: AccessRequest) => {
    const found = source.find(request.userName, request)
    return found instanceof Promise
      ? found.then((subscriber) => decide(source, request, subscriber))
      : decide(source, request, found)
  }
}

const NO_MACS: string[] = []

function decide(
  source: SubscriberSource,
  request: AccessRequest,
  subscriber: Subscriber | null,
): Decision | Promise<Decision> {
  if (!subscriber) return { kind: 'restrict', reason: RestrictReason.UserNotFound }

  const check = request.verifyPassword(subscriber.password)
  if (!check.ok) return { kind: 'restrict', reason: RestrictReason.WrongPassword }
  const proof = check.proof

  const macs = subscriber.macs?.length ? subscriber.macs.map(normalizeMac).filter((m) => m !== '') : NO_MACS
  const mac = request.callingStationId ? normalizeMac(request.callingStationId) : ''
  if (macs.length > 0 && !macs.includes(mac))
    return { kind: 'restrict', reason: RestrictReason.WrongMac, proof }
  if (macs.length === 0 && subscriber.bindMacOnFirstConnect && mac && source.bindMac) {
    return source.bindMac(subscriber, request.callingStationId!).then(() => stateDecision(subscriber, proof))
  }
  return stateDecision(subscriber, proof)
}

function stateDecision(subscriber: Subscriber, proof: MsChapProof | undefined): Decision {
  if (subscriber.state === 'blocked') return { kind: 'restrict', reason: RestrictReason.Blocked, proof }
  if (subscriber.state === 'negative-balance')
    return { kind: 'restrict', reason: RestrictReason.NegativeBalance, proof }
  return { kind: 'accept', attributes: subscriber.replyAttributes, proof }
}
