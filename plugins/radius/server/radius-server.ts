/**
 * The UDP side: auth and accounting sockets, NAS lookup by source address, duplicate detection, and
 * counting of every outcome. A datagram never throws out of here and an unknown source is never answered.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { Code } from '../protocol/codes.ts'
import { ensureDictionaries } from '../protocol/dictionary.ts'
import { decodePacket } from '../protocol/packet.ts'
import { type HandlerOutcome, handleAccessRequest } from './access-handler.ts'
import { handleAccountingRequest } from './accounting-handler.ts'
import { type CountersSnapshot, RadiusCounters } from './counters.ts'
import { DuplicateCache } from './duplicates.ts'
import type { ReplyPolicy } from './policy.ts'
import type { AccountingStore, Authorizer, NasDirectory } from './types.ts'

export interface RadiusServerOptions {
  /** Address to listen on; '0.0.0.0' by default ('::' for IPv6 and IPv4). */
  host?: string
  /** 1812 and 1813 in production; 0 picks free ports (tests). */
  authPort: number
  acctPort: number
  /** SO_RCVBUF: the default drops datagrams under bursts (thousands of NASes reconnecting). */
  receiveBufferBytes?: number
  nas: NasDirectory
  authorize: Authorizer
  accounting: AccountingStore
  /** Read on every request, so changed settings apply without a restart. */
  policy: () => ReplyPolicy
  /** How long an answered request's reply is kept for retransmissions. */
  duplicateTtlMs?: number
  maxCachedReplies?: number
  now?: () => number
  onError?: (error: unknown, context: { port: 'auth' | 'acct'; source: string; reason: string }) => void
}

type Port = 'auth' | 'acct'

export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

export class RadiusServer {
  readonly counters = new RadiusCounters()
  private readonly duplicates: DuplicateCache
  private readonly now: () => number
  private sockets: Partial<Record<Port, Socket>> = {}

  constructor(private readonly options: RadiusServerOptions) {
    this.now = options.now ?? Date.now
    this.duplicates = new DuplicateCache(
      options.duplicateTtlMs ?? 10_000,
      options.maxCachedReplies ?? 100_000,
      this.now,
    )
  }

  async start(): Promise<{ authPort: number; acctPort: number }> {
    ensureDictionaries()
    const host = this.options.host ?? '0.0.0.0'
    const auth = await this.bind('auth', host, this.options.authPort)
    const acct = await this.bind('acct', host, this.options.acctPort)
    return { authPort: auth, acctPort: acct }
  }

  async stop(): Promise<void> {
    await Promise.all(
      Object.values(this.sockets).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    )
    this.sockets = {}
  }

  stats(): CountersSnapshot {
    return this.counters.snapshot()
  }

  private bind(port: Port, host: string, number: number): Promise<number> {
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      recvBufferSize: this.options.receiveBufferBytes ?? 8 * 1024 * 1024,
    })
    this.sockets[port] = socket
    socket.on('message', (msg, rinfo) => {
      void this.onDatagram(port, socket, msg, rinfo)
    })
    // A socket error must not take the process down; sends that fail are already counted as replies.
    socket.on('error', (error) => this.options.onError?.(error, { port, source: '', reason: 'socket-error' }))
    return new Promise((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(number, host, () => {
        socket.off('error', reject)
        resolve(socket.address().port)
      })
    })
  }

  private async onDatagram(port: Port, socket: Socket, msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    const counters = this.counters
    counters.received++
    counters.inFlight++
    let key: string | undefined
    try {
      const decoded = decodePacket(msg)
      if (!decoded.ok) return counters.drop(decoded.reason)
      const packet = decoded.packet
      const expected =
        port === 'auth'
          ? packet.code === Code.AccessRequest || packet.code === Code.StatusServer
          : packet.code === Code.AccountingRequest || packet.code === Code.StatusServer
      if (!expected) return counters.drop('unexpected-code')

      const address = normalizeAddress(rinfo.address)
      // The directory answers from memory: no await (and no microtask turn) unless it has to.
      const found = this.options.nas.lookup(address)
      const nas = found instanceof Promise ? await found : found
      if (!nas) return counters.drop('unknown-nas')

      key = DuplicateCache.key(address, rinfo.port, packet.identifier, packet.authenticator)
      const seen = this.duplicates.begin(key)
      if (seen.state === 'in-progress') {
        key = undefined
        return counters.drop('duplicate-in-progress')
      }
      if (seen.state === 'answered') {
        key = undefined
        socket.send(seen.reply, rinfo.port, rinfo.address)
        return counters.reply('duplicate-resent')
      }

      const source = { address, port: rinfo.port }
      const outcome: HandlerOutcome =
        port === 'auth'
          ? await handleAccessRequest(
              { authorize: this.options.authorize, policy: this.options.policy },
              packet,
              nas,
              source,
            )
          : await handleAccountingRequest(
              { store: this.options.accounting, now: this.now },
              packet,
              nas,
              source,
            )

      if ('drop' in outcome) {
        this.duplicates.abandon(key)
        key = undefined
        if (outcome.error !== undefined) {
          this.options.onError?.(outcome.error, {
            port,
            source: `${address}:${rinfo.port}`,
            reason: outcome.drop,
          })
        }
        return counters.drop(outcome.drop)
      }
      this.duplicates.complete(key, outcome.reply)
      key = undefined
      socket.send(outcome.reply, rinfo.port, rinfo.address)
      if (outcome.restricted !== undefined) counters.restrict(outcome.restricted)
      counters.reply(outcome.kind)
    } catch (error) {
      if (key) this.duplicates.abandon(key)
      counters.drop('internal-error')
      this.options.onError?.(error, {
        port,
        source: `${rinfo.address}:${rinfo.port}`,
        reason: 'internal-error',
      })
    } finally {
      counters.inFlight--
    }
  }
}
