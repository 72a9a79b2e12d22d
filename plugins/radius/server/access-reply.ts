/**
 * Turns an authorization decision into the Access-Accept or Access-Reject that goes back to the NAS,
 * with MS-CHAP success/error and MPPE keys, the reject-pool attributes, Proxy-State copied back, and
 * Message-Authenticator always present and first.
 */
import { randomBytes } from 'node:crypto'
import { Attr, Code, MsAttr, Vendor } from '../protocol/codes.ts'
import { encodeNamedAttributes, type NamedAttribute } from '../protocol/dictionary.ts'
import { buildPacket, encodeString, encodeVendorAttribute } from '../protocol/encode.ts'
import { encryptMppeKey, encryptMsChapMppeKeys, mschapV2ServerKeys } from '../protocol/mppe.ts'
import { generateAuthenticatorResponse, hashNtPasswordHash } from '../protocol/mschap.ts'
import { type RadiusPacket, wholeAttributes } from '../protocol/packet.ts'
import type { MsChapProof } from './credentials.ts'
import type { ReplyPolicy } from './policy.ts'
import type { AuthMethod, Decision, RestrictReason } from './types.ts'

export type AccessOutcome =
  | { kind: 'accept' }
  | { kind: 'restricted'; reason: RestrictReason }
  | { kind: 'reject' }

function msChapSuccess(
  proof: MsChapProof,
  secret: Buffer,
  requestAuth: Buffer,
  policy: ReplyPolicy,
): Buffer[] {
  const ms = (type: number, value: Buffer) => encodeVendorAttribute(Vendor.Microsoft, type, value)
  const int = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(n)
    return b
  }
  const hashHash = hashNtPasswordHash(proof.passwordHash)
  const out: Buffer[] = []
  if (proof.version === 2) {
    const s = generateAuthenticatorResponse(
      proof.passwordHash,
      proof.ntResponse,
      proof.peerChallenge,
      proof.authChallenge,
      proof.userName,
    )
    out.push(ms(MsAttr.Chap2Success, Buffer.concat([Buffer.of(proof.ident), Buffer.from(s, 'ascii')])))
    const keys = mschapV2ServerKeys(hashHash, proof.ntResponse)
    out.push(ms(MsAttr.MppeRecvKey, encryptMppeKey(keys.recvKey, secret, requestAuth)))
    out.push(ms(MsAttr.MppeSendKey, encryptMppeKey(keys.sendKey, secret, requestAuth)))
  } else {
    out.push(ms(MsAttr.ChapMppeKeys, encryptMsChapMppeKeys(proof.lmHash, hashHash, secret, requestAuth)))
  }
  out.push(
    ms(MsAttr.MppeEncryptionPolicy, int(policy.mppe.policy)),
    ms(MsAttr.MppeEncryptionTypes, int(policy.mppe.types)),
  )
  return out
}

function msChapError(method: AuthMethod, ident: number): Buffer | null {
  if (method === 'mschapv2') {
    const challenge = randomBytes(16).toString('hex').toUpperCase()
    const text = `E=691 R=0 C=${challenge} V=3 M=Authentication failed`
    return encodeVendorAttribute(
      Vendor.Microsoft,
      MsAttr.ChapError,
      Buffer.concat([Buffer.of(ident), Buffer.from(text)]),
    )
  }
  if (method === 'mschap') {
    return encodeVendorAttribute(
      Vendor.Microsoft,
      MsAttr.ChapError,
      Buffer.concat([Buffer.of(ident), Buffer.from('E=691 R=0')]),
    )
  }
  return null
}

function hasAttribute(list: NamedAttribute[], name: string): boolean {
  return list.some((a) => a.name === name)
}

function withInterim(named: NamedAttribute[], interimInterval: number): NamedAttribute[] {
  if (interimInterval > 0 && !hasAttribute(named, 'Acct-Interim-Interval'))
    named.push({ name: 'Acct-Interim-Interval', value: interimInterval })
  return named
}

type Encoded = { values: NamedAttribute['value'][]; interim: number; bytes: Buffer }

/** Values of a list that can be compared with ===, or null when one of them is a Buffer or Date. */
function plainValues(list: NamedAttribute[]): NamedAttribute['value'][] | null {
  const values: NamedAttribute['value'][] = []
  for (const a of list) {
    if (typeof a.value !== 'string' && typeof a.value !== 'number') return null
    values.push(a.name, a.value)
  }
  return values
}

function sameValues(list: NamedAttribute[], values: NamedAttribute['value'][]): boolean {
  if (values.length !== list.length * 2) return false
  for (let i = 0; i < list.length; i++)
    if (values[2 * i] !== list[i]!.name || values[2 * i + 1] !== list[i]!.value) return false
  return true
}

const ENCODED = Symbol('encoded reply attributes')
type CachedList = NamedAttribute[] & { [ENCODED]?: Encoded }

/**
 * An accept's attributes as bytes. A subscriber's list is built once and handed to every one of its
 * Access-Requests, so its encoding is kept on it (checked against the list's values, in case a source
 * edits the list in place). A property rather than a WeakMap: 100,000 lists in a WeakMap are entries
 * every garbage collection has to visit.
 */
function acceptAttributes(list: CachedList, interim: number): Buffer {
  const hit = list[ENCODED]
  if (hit && hit.interim === interim && sameValues(list, hit.values)) return hit.bytes
  const bytes = encodeNamedAttributes(withInterim([...list], interim))
  const values = plainValues(list)
  if (values && Object.isExtensible(list)) list[ENCODED] = { values, interim, bytes }
  return bytes
}

/** A restricted session's attributes as bytes, per policy and reason. */
const restrictedCache = new WeakMap<ReplyPolicy, (Encoded | undefined)[]>()
function restrictedAttributes(policy: ReplyPolicy, reason: RestrictReason, extra?: NamedAttribute[]): Buffer {
  const pool = policy.rejectPool
  const named: NamedAttribute[] = [
    { name: 'Mikrotik-Address-List', value: pool.addressLists[reason] },
    { name: 'Session-Timeout', value: pool.sessionTimeout },
  ]
  if (pool.framedPool) named.push({ name: 'Framed-Pool', value: pool.framedPool })
  if (pool.rateLimit) named.push({ name: 'Mikrotik-Rate-Limit', value: pool.rateLimit })
  if (extra?.length) return encodeNamedAttributes(withInterim([...named, ...extra], policy.interimInterval))
  let byReason = restrictedCache.get(policy)
  if (!byReason) {
    byReason = []
    restrictedCache.set(policy, byReason)
  }
  const hit = byReason[reason]
  if (hit && hit.interim === policy.interimInterval && sameValues(named, hit.values)) return hit.bytes
  const bytes = encodeNamedAttributes(withInterim([...named], policy.interimInterval))
  const values = plainValues(named)
  if (values) byReason[reason] = { values, interim: policy.interimInterval, bytes }
  return bytes
}

export interface BuildAccessReplyInput {
  request: RadiusPacket
  secret: Buffer
  method: AuthMethod
  /** Ident of the MS-CHAP response, echoed in MS-CHAP-Error. */
  msChapIdent: number
  decision: Decision
  policy: ReplyPolicy
}

export function buildAccessReply(input: BuildAccessReplyInput): { packet: Buffer; outcome: AccessOutcome } {
  const { request, secret, method, policy } = input
  let decision = input.decision
  const isMsChap = method === 'mschap' || method === 'mschapv2'

  // MS-CHAP is mutual: without the right password there is no success message the client would take.
  if (decision.kind !== 'reject' && isMsChap && !decision.proof) decision = { kind: 'reject' }
  if (decision.kind === 'restrict') {
    const pool = policy.rejectPool
    if (
      !pool.enabled ||
      (decision.reason === 0 && pool.rejectUnknownUsers) ||
      (decision.reason === 4 && pool.rejectWrongPassword)
    ) {
      decision = { kind: 'reject' }
    }
  }

  const parts: Buffer[] = []
  let code: number
  let outcome: AccessOutcome
  if (decision.kind === 'reject') {
    code = Code.AccessReject
    outcome = { kind: 'reject' }
    if (decision.replyMessage) parts.push(encodeString(Attr.ReplyMessage, decision.replyMessage))
    const error = msChapError(method, input.msChapIdent)
    if (error) parts.push(error)
  } else {
    code = Code.AccessAccept
    if (decision.kind === 'accept') {
      outcome = { kind: 'accept' }
      parts.push(acceptAttributes(decision.attributes, policy.interimInterval))
    } else {
      outcome = { kind: 'restricted', reason: decision.reason }
      parts.push(restrictedAttributes(policy, decision.reason, decision.attributes))
    }
    if (decision.proof) parts.push(...msChapSuccess(decision.proof, secret, request.authenticator, policy))
  }
  // RFC 2865 5.33: Proxy-State is copied back unmodified and in order.
  parts.push(...wholeAttributes(request, Attr.ProxyState))

  const packet = buildPacket({
    code,
    identifier: request.identifier,
    attributes: parts.length === 1 ? parts[0]! : Buffer.concat(parts),
    secret,
    messageAuthenticator: true,
    authenticator: request.authenticator,
  })
  return { packet, outcome }
}
