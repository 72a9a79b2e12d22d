// A tiny NAS for CoA/Disconnect tests: verifies requests like a NAS would and answers ACK or NAK.
import { createSocket } from 'node:dgram'
import {
  checkMessageAuthenticator,
  verifyHashedRequestAuthenticator,
} from '../../../../plugins/radius/protocol/authenticators.ts'
import { Attr, Code } from '../../../../plugins/radius/protocol/codes.ts'
import { namedAttributes } from '../../../../plugins/radius/protocol/dictionary.ts'
import { buildPacket, encodeInteger } from '../../../../plugins/radius/protocol/encode.ts'
import { decodePacket } from '../../../../plugins/radius/protocol/packet.ts'

export interface StandInRequest {
  code: number
  identifier: number
  authenticatorValid: boolean
  messageAuthenticator: string
  attributes: Record<string, unknown>
}

export async function startNasStandIn(options: {
  secret: string
  /** Number of requests to ignore before answering (to exercise retransmission). */
  ignoreFirst?: number
  /** NAK with this Error-Cause instead of ACK. */
  nakWith?: number
}) {
  const socket = createSocket('udp4')
  const received: StandInRequest[] = []
  let ignore = options.ignoreFirst ?? 0
  const secret = Buffer.from(options.secret)
  socket.on('message', (msg, rinfo) => {
    const decoded = decodePacket(msg)
    if (!decoded.ok) return
    const p = decoded.packet
    const authenticatorValid = verifyHashedRequestAuthenticator(p.raw, secret)
    received.push({
      code: p.code,
      identifier: p.identifier,
      authenticatorValid,
      messageAuthenticator: checkMessageAuthenticator(p.raw, secret),
      attributes: namedAttributes(p),
    })
    if (!authenticatorValid) return
    if (ignore > 0) {
      ignore--
      return
    }
    const isCoa = p.code === Code.CoaRequest
    const nak = options.nakWith !== undefined
    const code = isCoa ? (nak ? Code.CoaNak : Code.CoaAck) : nak ? Code.DisconnectNak : Code.DisconnectAck
    const reply = buildPacket({
      code,
      identifier: p.identifier,
      attributes: nak ? encodeInteger(Attr.ErrorCause, options.nakWith!) : Buffer.alloc(0),
      secret,
      messageAuthenticator: true,
      authenticator: p.authenticator,
    })
    socket.send(reply, rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    port: socket.address().port,
    received,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  }
}
