/**
 * Change-of-Authorization and Disconnect-Request client (RFC 5176): packets go from our own UDP socket
 * to the NAS (port 3799 by default), are retransmitted unchanged on timeout, and resolve to the NAS's
 * ACK or NAK. Nothing is ever handed to a shell.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { checkMessageAuthenticator, verifyResponseAuthenticator } from '../protocol/authenticators.ts'
import { Attr, Code } from '../protocol/codes.ts'
import { encodeNamedAttributes, type NamedAttribute, namedAttributes } from '../protocol/dictionary.ts'
import { buildPacket } from '../protocol/encode.ts'
import { decodePacket } from '../protocol/packet.ts'
import { integerAttr } from './attributes.ts'
import { normalizeAddress } from './radius-server.ts'

export const COA_PORT = 3799

export interface CoaTarget {
  address: string
  port?: number
  secret: string
}

export type CoaResult =
  | { kind: 'ack'; attempts: number; attributes: Record<string, unknown> }
  | { kind: 'nak'; attempts: number; errorCause?: number; attributes: Record<string, unknown> }
  | { kind: 'timeout'; attempts: number }

export interface CoaClientOptions {
  /** Local address to send from; its family must match the NASes'. */
  bindAddress?: string
  bindPort?: number
  /** Wait per attempt before retransmitting. */
  timeoutMs?: number
  /** Retransmissions after the first attempt. */
  retries?: number
}

interface Pending {
  request: Buffer
  secret: Buffer
  expect: readonly number[]
  attempts: number
  timer: NodeJS.Timeout | undefined
  resolve: (result: CoaResult) => void
}

export class CoaClient {
  private socket: Socket | undefined
  private readonly pending = new Map<string, Pending>()
  private readonly nextId = new Map<string, number>()
  /** Replies that matched nothing or failed verification. */
  ignoredReplies = 0

  constructor(private readonly options: CoaClientOptions = {}) {}

  async start(): Promise<void> {
    const host = this.options.bindAddress ?? '0.0.0.0'
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
    socket.on('message', (msg, rinfo) => this.onReply(msg, rinfo))
    socket.on('error', () => {
      // Send errors surface as timeouts; the socket stays up.
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.options.bindPort ?? 0, host, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    this.socket = socket
  }

  async close(): Promise<void> {
    for (const [key, p] of this.pending) {
      clearTimeout(p.timer)
      this.pending.delete(key)
      p.resolve({ kind: 'timeout', attempts: p.attempts })
    }
    const socket = this.socket
    this.socket = undefined
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()))
  }

  /** Disconnect-Request: identify the session with User-Name, Acct-Session-Id and/or Framed-IP-Address. */
  disconnect(target: CoaTarget, attributes: NamedAttribute[]): Promise<CoaResult> {
    return this.send(target, Code.DisconnectRequest, [Code.DisconnectAck, Code.DisconnectNak], attributes)
  }

  /** CoA-Request: session identification plus the new authorization (rate limit, address list). */
  changeAuthorization(target: CoaTarget, attributes: NamedAttribute[]): Promise<CoaResult> {
    return this.send(target, Code.CoaRequest, [Code.CoaAck, Code.CoaNak], attributes)
  }

  // async, so a bad attribute or 256 outstanding requests reject the promise instead of throwing.
  private async send(
    target: CoaTarget,
    code: number,
    expect: readonly number[],
    attributes: NamedAttribute[],
  ): Promise<CoaResult> {
    const socket = this.socket
    if (!socket) throw new Error('CoA client is not started')
    const address = normalizeAddress(target.address)
    const port = target.port ?? COA_PORT
    const encoded = encodeNamedAttributes(attributes)
    const identifier = this.allocateIdentifier(address, port)
    const secret = Buffer.from(target.secret, 'utf8')
    const request = buildPacket({ code, identifier, attributes: encoded, secret, messageAuthenticator: true })
    const key = `${address}|${port}|${identifier}`
    const timeoutMs = this.options.timeoutMs ?? 3000
    const maxAttempts = 1 + (this.options.retries ?? 2)
    return new Promise<CoaResult>((resolve) => {
      const pending: Pending = { request, secret, expect, attempts: 0, timer: undefined, resolve }
      const attempt = () => {
        if (pending.attempts >= maxAttempts) {
          this.pending.delete(key)
          resolve({ kind: 'timeout', attempts: pending.attempts })
          return
        }
        pending.attempts++
        socket.send(request, port, address)
        pending.timer = setTimeout(attempt, timeoutMs)
      }
      this.pending.set(key, pending)
      attempt()
    })
  }

  private allocateIdentifier(address: string, port: number): number {
    const dest = `${address}|${port}`
    const start = this.nextId.get(dest) ?? Math.floor(Math.random() * 256)
    for (let i = 0; i < 256; i++) {
      const id = (start + i) & 0xff
      if (!this.pending.has(`${dest}|${id}`)) {
        this.nextId.set(dest, (id + 1) & 0xff)
        return id
      }
    }
    throw new Error(`256 requests already outstanding to ${dest}`)
  }

  private onReply(msg: Buffer, rinfo: RemoteInfo): void {
    const decoded = decodePacket(msg)
    if (!decoded.ok) {
      this.ignoredReplies++
      return
    }
    const reply = decoded.packet
    const key = `${normalizeAddress(rinfo.address)}|${rinfo.port}|${reply.identifier}`
    const pending = this.pending.get(key)
    const requestAuth = pending?.request.subarray(4, 20)
    if (
      !pending ||
      !requestAuth ||
      !pending.expect.includes(reply.code) ||
      !verifyResponseAuthenticator(reply.raw, requestAuth, pending.secret) ||
      checkMessageAuthenticator(reply.raw, pending.secret, requestAuth) === 'invalid'
    ) {
      this.ignoredReplies++
      return
    }
    clearTimeout(pending.timer)
    this.pending.delete(key)
    const attributes = namedAttributes(reply)
    if (reply.code === Code.CoaAck || reply.code === Code.DisconnectAck) {
      pending.resolve({ kind: 'ack', attempts: pending.attempts, attributes })
    } else {
      pending.resolve({
        kind: 'nak',
        attempts: pending.attempts,
        errorCause: integerAttr(reply, Attr.ErrorCause),
        attributes,
      })
    }
  }
}
