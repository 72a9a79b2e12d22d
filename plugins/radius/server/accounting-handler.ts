/** Handles one Accounting-Request: verify, hand to the store, acknowledge once it is committed. */
import { AcctStatus, Attr, Code, HEADER_LENGTH } from '../protocol/codes.ts'
import { md5 } from '../protocol/md5.ts'
import { checkMessageAuthenticator, verifyHashedRequestAuthenticator } from '../protocol/authenticators.ts'
import { namedAttributes } from '../protocol/dictionary.ts'
import { buildPacket } from '../protocol/encode.ts'
import { findAttribute, forEachAttribute, type RadiusPacket, wholeAttributes } from '../protocol/packet.ts'
import { type HandlerOutcome, secretOf } from './access-handler.ts'
import type { AccountingRecord, AccountingStore, AcctStatusType, NasClient } from './types.ts'

const STATUS: Record<number, AcctStatusType> = {
  [AcctStatus.Start]: 'start',
  [AcctStatus.Stop]: 'stop',
  [AcctStatus.InterimUpdate]: 'interim-update',
  [AcctStatus.AccountingOn]: 'accounting-on',
  [AcctStatus.AccountingOff]: 'accounting-off',
}

// The dictionary's Acct-Terminate-Cause values (RFC 2866, RFC 3580), so a Stop needs no full decode.
const TERMINATE_CAUSES = [
  'User-Request',
  'Lost-Carrier',
  'Lost-Service',
  'Idle-Timeout',
  'Session-Timeout',
  'Admin-Reset',
  'Admin-Reboot',
  'Port-Error',
  'NAS-Error',
  'NAS-Request',
  'NAS-Reboot',
  'Port-Unneeded',
  'Port-Preempted',
  'Port-Suspended',
  'Service-Unavailable',
  'Callback',
  'User-Error',
  'Host-Request',
  'Supplicant-Restart',
  'Reauthentication-Failure',
  'Port-Reinit',
  'Port-Disabled',
]

/**
 * Hash of the attributes other than Acct-Delay-Time, which a NAS bumps when it re-sends an event: the
 * packet's attribute bytes in at most a few runs around the Acct-Delay-Time attributes.
 */
function eventKey(packet: RadiusPacket, nas: NasClient): string {
  const raw = packet.raw
  const parts: Uint8Array[] = [Buffer.from(`${nas.id}\0`, 'latin1')]
  let from = HEADER_LENGTH
  for (const offset of packet.offsets) {
    if (raw[offset] !== Attr.AcctDelayTime) continue
    if (offset > from) parts.push(raw.subarray(from, offset))
    from = offset + raw[offset + 1]!
  }
  if (raw.length > from) parts.push(raw.subarray(from))
  return md5(...parts).toString('base64')
}

/**
 * Where the first value of each attribute type starts and ends in the packet being parsed, filled in
 * one pass and emptied after it (parsing is synchronous): one walk of the attributes instead of one per
 * field, and values read straight from the packet's bytes.
 */
const firstStart = new Int32Array(256).fill(-1)
const firstEnd = new Int32Array(256)
let parsing: Buffer = Buffer.alloc(0)
const EMPTY = parsing

const str = (type: number) => {
  const at = firstStart[type]!
  return at < 0 ? undefined : parsing.toString('utf8', at, firstEnd[type])
}
const int = (type: number) => {
  const at = firstStart[type]!
  return at >= 0 && firstEnd[type]! - at === 4 ? parsing.readUInt32BE(at) : undefined
}
const ipv4 = (type: number) => {
  const at = firstStart[type]!
  if (at < 0 || firstEnd[type]! - at !== 4) return undefined
  const v = parsing
  return `${v[at]}.${v[at + 1]}.${v[at + 2]}.${v[at + 3]}`
}
const remember = (type: number, start: number, end: number) => {
  if (firstStart[type]! >= 0) return
  firstStart[type] = start
  firstEnd[type] = end
}
const forget = (type: number) => {
  firstStart[type] = -1
}
const counter = (octets: number, gigawords: number): bigint => {
  const high = int(gigawords) ?? 0
  const low = BigInt(int(octets) ?? 0)
  return high === 0 ? low : (BigInt(high) << 32n) + low
}

export function parseAccountingRecord(
  packet: RadiusPacket,
  nas: NasClient,
  source: { address: string; port: number },
  receivedAt: Date,
): AccountingRecord | null {
  parsing = packet.raw
  forEachAttribute(packet, remember)
  try {
    return readRecord(packet, nas, source, receivedAt)
  } finally {
    forEachAttribute(packet, forget)
    parsing = EMPTY
  }
}

function readRecord(
  packet: RadiusPacket,
  nas: NasClient,
  source: { address: string; port: number },
  receivedAt: Date,
): AccountingRecord | null {
  const statusCode = int(Attr.AcctStatusType)
  if (statusCode === undefined) return null
  const statusType = STATUS[statusCode] ?? 'other'
  const sessionId = str(Attr.AcctSessionId)
  if (!sessionId && (statusType === 'start' || statusType === 'stop' || statusType === 'interim-update'))
    return null
  const delaySeconds = int(Attr.AcctDelayTime) ?? 0
  const timestamp = int(Attr.EventTimestamp)
  // Decoding every attribute by name is the costliest step per record; only what asks for it pays.
  let named: Record<string, unknown> | undefined
  const decoded = () => {
    named ??= namedAttributes(packet)
    return named
  }
  const causeCode = int(Attr.AcctTerminateCause)
  const cause =
    causeCode === undefined
      ? undefined
      : (TERMINATE_CAUSES[causeCode - 1] ?? decoded()['Acct-Terminate-Cause'] ?? causeCode)
  return {
    nas,
    source,
    statusType,
    statusCode,
    sessionId,
    multiSessionId: str(Attr.AcctMultiSessionId),
    userName: str(Attr.UserName),
    inputOctets: counter(Attr.AcctInputOctets, Attr.AcctInputGigawords),
    outputOctets: counter(Attr.AcctOutputOctets, Attr.AcctOutputGigawords),
    inputPackets: int(Attr.AcctInputPackets) ?? 0,
    outputPackets: int(Attr.AcctOutputPackets) ?? 0,
    sessionTime: int(Attr.AcctSessionTime),
    terminateCause: cause === undefined ? undefined : String(cause),
    framedIpAddress: ipv4(Attr.FramedIpAddress),
    callingStationId: str(Attr.CallingStationId),
    calledStationId: str(Attr.CalledStationId),
    nasIpAddress: ipv4(Attr.NasIpAddress),
    nasIdentifier: str(Attr.NasIdentifier),
    nasPortId: str(Attr.NasPortId),
    eventTime:
      timestamp !== undefined
        ? new Date(timestamp * 1000)
        : new Date(receivedAt.getTime() - delaySeconds * 1000),
    delaySeconds,
    receivedAt,
    eventKey: eventKey(packet, nas),
    get attributes() {
      return decoded()
    },
  }
}

/** Resolves (never rejects) with the outcome; synchronous when the request is dropped or a Status-Server. */
export function handleAccountingRequest(
  deps: { store: AccountingStore; now: () => number },
  packet: RadiusPacket,
  nas: NasClient,
  source: { address: string; port: number },
): HandlerOutcome | Promise<HandlerOutcome> {
  const secret = secretOf(nas)
  if (packet.code === Code.StatusServer) {
    if (checkMessageAuthenticator(packet.raw, secret) !== 'valid')
      return { drop: 'missing-message-authenticator' }
    const reply = buildPacket({
      code: Code.AccountingResponse,
      identifier: packet.identifier,
      attributes: Buffer.alloc(0),
      secret,
      messageAuthenticator: true,
      authenticator: packet.authenticator,
      macOverRequestAuthenticator: true,
    })
    return { reply, kind: 'status-server' }
  }
  if (!verifyHashedRequestAuthenticator(packet.raw, secret)) return { drop: 'bad-authenticator' }
  if (checkMessageAuthenticator(packet.raw, secret) === 'invalid')
    return { drop: 'bad-message-authenticator' }
  if (findAttribute(packet, Attr.UserPassword) || findAttribute(packet, Attr.ChapPassword)) {
    return { drop: 'malformed-request' }
  }
  const record = parseAccountingRecord(packet, nas, source, new Date(deps.now()))
  if (!record) return { drop: 'malformed-request' }
  let stored: Promise<void>
  try {
    stored = deps.store.record(record)
  } catch (error) {
    return { drop: 'store-failed', error }
  }
  return stored.then(
    (): HandlerOutcome => ({ reply: respond(packet, secret), kind: 'accounting-response' }),
    // Not acknowledged: the NAS keeps the record and sends it again.
    (error: unknown): HandlerOutcome => ({ drop: 'store-failed', error }),
  )
}

// Message-Authenticator only when the request had one: accounting is protected by its authenticators and
// NASes disagree on how a reply's MAC is computed.
function respond(packet: RadiusPacket, secret: Buffer): Buffer {
  const proxyState = wholeAttributes(packet, Attr.ProxyState)
  return buildPacket({
    code: Code.AccountingResponse,
    identifier: packet.identifier,
    attributes: proxyState.length === 0 ? EMPTY : Buffer.concat(proxyState),
    secret,
    messageAuthenticator: findAttribute(packet, Attr.MessageAuthenticator) !== undefined,
    authenticator: packet.authenticator,
  })
}

