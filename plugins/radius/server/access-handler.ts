/** Handles one Access-Request (or Status-Server) from a known NAS: verify, authorize, answer. */
import { Attr, Code } from '../protocol/codes.ts'
import { checkMessageAuthenticator } from '../protocol/authenticators.ts'
import { namedAttributes } from '../protocol/dictionary.ts'
import { buildPacket, encodeString } from '../protocol/encode.ts'
import { findAttribute, type RadiusPacket } from '../protocol/packet.ts'
import { buildAccessReply } from './access-reply.ts'
import { ipv4Attr, stringAttr } from './attributes.ts'
import type { DropReason, ReplyKind } from './counters.ts'
import { type Credentials, methodOf, readCredentials, verifyPassword } from './credentials.ts'
import type { ReplyPolicy } from './policy.ts'
import type { AccessRequest, AuthMethod, Authorizer, Decision, NasClient, RestrictReason } from './types.ts'

export type HandlerOutcome =
  | { reply: Buffer; kind: ReplyKind; restricted?: RestrictReason }
  | { drop: DropReason; error?: unknown }

export interface AccessHandlerDeps {
  authorize: Authorizer
  policy: () => ReplyPolicy
}

// Secrets as bytes, by the NAS's secret text (a handful of NASes; a changed secret is a new key).
const secretBytes = new Map<string, Buffer>()
export function secretOf(nas: NasClient): Buffer {
  let bytes = secretBytes.get(nas.secret)
  if (!bytes) {
    if (secretBytes.size >= 10_000) secretBytes.clear()
    bytes = Buffer.from(nas.secret, 'utf8')
    secretBytes.set(nas.secret, bytes)
  }
  return bytes
}

/** The request as authorizers see it; the attributes few of them read are decoded on first use. */
class IncomingAccessRequest implements AccessRequest {
  private named: Record<string, unknown> | undefined
  constructor(
    readonly nas: NasClient,
    readonly source: { address: string; port: number },
    readonly packet: RadiusPacket,
    readonly userName: string,
    readonly method: AuthMethod,
    readonly credentials: Credentials,
    readonly callingStationId: string | undefined,
  ) {}
  get calledStationId() {
    return stringAttr(this.packet, Attr.CalledStationId)
  }
  get nasIpAddress() {
    return ipv4Attr(this.packet, Attr.NasIpAddress)
  }
  get nasIdentifier() {
    return stringAttr(this.packet, Attr.NasIdentifier)
  }
  get nasPortId() {
    return stringAttr(this.packet, Attr.NasPortId)
  }
  get framedIpAddress() {
    return ipv4Attr(this.packet, Attr.FramedIpAddress)
  }
  verifyPassword(password: string) {
    return verifyPassword(this.credentials, this.userName, password)
  }
  attributes() {
    this.named ??= namedAttributes(this.packet)
    return this.named
  }
}

function reject(packet: RadiusPacket, secret: Buffer, message: string): HandlerOutcome {
  const reply = buildPacket({
    code: Code.AccessReject,
    identifier: packet.identifier,
    attributes: encodeString(Attr.ReplyMessage, message),
    secret,
    messageAuthenticator: true,
    authenticator: packet.authenticator,
  })
  return { reply, kind: 'access-reject' }
}

/** Synchronous unless the authorizer has to wait (the subscriber index answers from memory). */
export function handleAccessRequest(
  deps: AccessHandlerDeps,
  packet: RadiusPacket,
  nas: NasClient,
  source: { address: string; port: number },
): HandlerOutcome | Promise<HandlerOutcome> {
  const secret = secretOf(nas)
  const ma = checkMessageAuthenticator(packet.raw, secret)
  if (ma === 'invalid') return { drop: 'bad-message-authenticator' }
  const eap = findAttribute(packet, Attr.EapMessage) !== undefined
  if (ma === 'absent' && (nas.requireMessageAuthenticator || eap || packet.code === Code.StatusServer)) {
    return { drop: 'missing-message-authenticator' }
  }

  if (packet.code === Code.StatusServer) {
    // RFC 5997: answer with Access-Accept to show the server is alive.
    const reply = buildPacket({
      code: Code.AccessAccept,
      identifier: packet.identifier,
      attributes: encodeString(Attr.ReplyMessage, 'Uplink RADIUS alive'),
      secret,
      messageAuthenticator: true,
      authenticator: packet.authenticator,
    })
    return { reply, kind: 'status-server' }
  }

  const userName = stringAttr(packet, Attr.UserName)
  if (!userName) return reject(packet, secret, 'User-Name missing')
  if (eap) return reject(packet, secret, 'EAP is not supported')

  const credentials = readCredentials(packet, secret)
  const request = new IncomingAccessRequest(
    nas,
    source,
    packet,
    userName,
    methodOf(credentials),
    credentials,
    stringAttr(packet, Attr.CallingStationId),
  )

  let decision: Decision | Promise<Decision>
  try {
    decision = deps.authorize(request)
  } catch (error) {
    return { drop: 'authorize-failed', error }
  }
  if (decision instanceof Promise) {
    return decision.then(
      (d) => replyTo(deps, request, secret, d),
      // No answer: the NAS retries or fails over to another RADIUS server, rather than rejecting users.
      (error: unknown): HandlerOutcome => ({ drop: 'authorize-failed', error }),
    )
  }
  return replyTo(deps, request, secret, decision)
}

function replyTo(
  deps: AccessHandlerDeps,
  request: IncomingAccessRequest,
  secret: Buffer,
  decision: Decision,
): HandlerOutcome {
  try {
    const credentials = request.credentials
    const msChapIdent =
      credentials.method === 'mschap' || credentials.method === 'mschapv2' ? credentials.ident : 0
    const { packet: reply, outcome } = buildAccessReply({
      request: request.packet,
      secret,
      method: request.method,
      msChapIdent,
      decision,
      policy: deps.policy(),
    })
    if (outcome.kind === 'accept') return { reply, kind: 'access-accept' }
    if (outcome.kind === 'restricted')
      return { reply, kind: 'access-accept-restricted', restricted: outcome.reason }
    return { reply, kind: 'access-reject' }
  } catch (error) {
    return { drop: 'reply-failed', error }
  }
}
