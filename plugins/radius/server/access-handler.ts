/** Handles one Access-Request (or Status-Server) from a known NAS: verify, authorize, answer. */
import { Attr, Code } from '../protocol/codes.ts'
import { checkMessageAuthenticator } from '../protocol/authenticators.ts'
import { namedAttributes } from '../protocol/dictionary.ts'
import { buildPacket, encodeString } from '../protocol/encode.ts'
import { findAttribute, type RadiusPacket } from '../protocol/packet.ts'
import { buildAccessReply } from './access-reply.ts'
import { ipv4Attr, stringAttr } from './attributes.ts'
import type { DropReason, ReplyKind } from './counters.ts'
import { methodOf, readCredentials, verifyPassword } from './credentials.ts'
import type { ReplyPolicy } from './policy.ts'
import type { AccessRequest, Authorizer, NasClient, RestrictReason } from './types.ts'

export type HandlerOutcome =
  | { reply: Buffer; kind: ReplyKind; restricted?: RestrictReason }
  | { drop: DropReason; error?: unknown }

export interface AccessHandlerDeps {
  authorize: Authorizer
  policy: () => ReplyPolicy
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

export async function handleAccessRequest(
  deps: AccessHandlerDeps,
  packet: RadiusPacket,
  nas: NasClient,
  source: { address: string; port: number },
): Promise<HandlerOutcome> {
  const secret = Buffer.from(nas.secret, 'utf8')
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
  const method = methodOf(credentials)
  let named: Record<string, unknown> | undefined
  const request: AccessRequest = {
    nas,
    source,
    packet,
    userName,
    method,
    callingStationId: stringAttr(packet, Attr.CallingStationId),
    calledStationId: stringAttr(packet, Attr.CalledStationId),
    nasIpAddress: ipv4Attr(packet, Attr.NasIpAddress),
    nasIdentifier: stringAttr(packet, Attr.NasIdentifier),
    nasPortId: stringAttr(packet, Attr.NasPortId),
    framedIpAddress: ipv4Attr(packet, Attr.FramedIpAddress),
    verifyPassword: (password) => verifyPassword(credentials, userName, password),
    attributes: () => {
      named ??= namedAttributes(packet)
      return named
    },
  }

  let decision: Awaited<ReturnType<Authorizer>>
  try {
    decision = await deps.authorize(request)
  } catch (error) {
    // No answer: the NAS retries or fails over to another RADIUS server, rather than rejecting users.
    return { drop: 'authorize-failed', error }
  }

  try {
    const msChapIdent =
      credentials.method === 'mschap' || credentials.method === 'mschapv2' ? credentials.ident : 0
    const { packet: reply, outcome } = buildAccessReply({
      request: packet,
      secret,
      method,
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
