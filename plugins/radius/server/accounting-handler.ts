/** Handles one Accounting-Request: verify, hand to the store, acknowledge once it is committed. */
import { createHash } from 'node:crypto'
import { AcctStatus, Attr, Code } from '../protocol/codes.ts'
import { checkMessageAuthenticator, verifyHashedRequestAuthenticator } from '../protocol/authenticators.ts'
import { namedAttributes } from '../protocol/dictionary.ts'
import { buildPacket } from '../protocol/encode.ts'
import { findAttribute, type RadiusPacket } from '../protocol/packet.ts'
import type { HandlerOutcome } from './access-handler.ts'
import { integerAttr, ipv4Attr, stringAttr } from './attributes.ts'
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

const counter = (packet: RadiusPacket, octets: number, gigawords: number): bigint =>
  (BigInt(integerAttr(packet, gigawords) ?? 0) << 32n) + BigInt(integerAttr(packet, octets) ?? 0)

/** Hash of the attributes other than Acct-Delay-Time, which a NAS bumps when it re-sends an event. */
function eventKey(packet: RadiusPacket, nas: NasClient): string {
  const hash = createHash('md5').update(String(nas.id)).update('\0')
  for (const a of packet.attributes) {
    if (a.type === Attr.AcctDelayTime) continue
    hash.update(Buffer.of(a.type, a.value.length)).update(a.value)
  }
  return hash.digest('hex')
}

export function parseAccountingRecord(
  packet: RadiusPacket,
  nas: NasClient,
  source: { address: string; port: number },
  receivedAt: Date,
): AccountingRecord | null {
  const statusCode = integerAttr(packet, Attr.AcctStatusType)
  if (statusCode === undefined) return null
  const statusType = STATUS[statusCode] ?? 'other'
  const sessionId = stringAttr(packet, Attr.AcctSessionId)
  if (!sessionId && (statusType === 'start' || statusType === 'stop' || statusType === 'interim-update'))
    return null
  const delaySeconds = integerAttr(packet, Attr.AcctDelayTime) ?? 0
  const timestamp = integerAttr(packet, Attr.EventTimestamp)
  // Decoding every attribute by name is the costliest step per record; only what asks for it pays.
  let named: Record<string, unknown> | undefined
  const attributes = () => {
    named ??= namedAttributes(packet)
    return named
  }
  const causeCode = integerAttr(packet, Attr.AcctTerminateCause)
  const cause =
    causeCode === undefined
      ? undefined
      : (TERMINATE_CAUSES[causeCode - 1] ?? attributes()['Acct-Terminate-Cause'] ?? causeCode)
  return {
    nas,
    source,
    statusType,
    statusCode,
    sessionId,
    multiSessionId: stringAttr(packet, Attr.AcctMultiSessionId),
    userName: stringAttr(packet, Attr.UserName),
    inputOctets: counter(packet, Attr.AcctInputOctets, Attr.AcctInputGigawords),
    outputOctets: counter(packet, Attr.AcctOutputOctets, Attr.AcctOutputGigawords),
    inputPackets: integerAttr(packet, Attr.AcctInputPackets) ?? 0,
    outputPackets: integerAttr(packet, Attr.AcctOutputPackets) ?? 0,
    sessionTime: integerAttr(packet, Attr.AcctSessionTime),
    terminateCause: cause === undefined ? undefined : String(cause),
    framedIpAddress: ipv4Attr(packet, Attr.FramedIpAddress),
    callingStationId: stringAttr(packet, Attr.CallingStationId),
    calledStationId: stringAttr(packet, Attr.CalledStationId),
    nasIpAddress: ipv4Attr(packet, Attr.NasIpAddress),
    nasIdentifier: stringAttr(packet, Attr.NasIdentifier),
    nasPortId: stringAttr(packet, Attr.NasPortId),
    eventTime:
      timestamp !== undefined
        ? new Date(timestamp * 1000)
        : new Date(receivedAt.getTime() - delaySeconds * 1000),
    delaySeconds,
    receivedAt,
    eventKey: eventKey(packet, nas),
    get attributes() {
      return attributes()
    },
  }
}

export async function handleAccountingRequest(
  deps: { store: AccountingStore; now: () => number },
  packet: RadiusPacket,
  nas: NasClient,
  source: { address: string; port: number },
): Promise<HandlerOutcome> {
  const secret = Buffer.from(nas.secret, 'utf8')
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
  try {
    await deps.store.record(record)
  } catch (error) {
    // Not acknowledged: the NAS keeps the record and sends it again.
    return { drop: 'store-failed', error }
  }
  return { reply: respond(packet, secret), kind: 'accounting-response' }
}

// Message-Authenticator only when the request had one: accounting is protected by its authenticators and
// NASes disagree on how a reply's MAC is computed.
function respond(packet: RadiusPacket, secret: Buffer): Buffer {
  const proxyState = packet.attributes
    .filter((a) => a.type === Attr.ProxyState)
    .map((a) => Buffer.concat([Buffer.of(a.type, a.value.length + 2), a.value]))
  return buildPacket({
    code: Code.AccountingResponse,
    identifier: packet.identifier,
    attributes: Buffer.concat(proxyState),
    secret,
    messageAuthenticator: findAttribute(packet, Attr.MessageAuthenticator) !== undefined,
    authenticator: packet.authenticator,
  })
}
