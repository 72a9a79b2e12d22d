/**
 * The UDP side: auth and accounting sockets, NAS lookup by source address, duplicate detection, and
 * counting of every outcome. A datagram never throws out of here and an unknown source is never answered.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { type LookupOptions, lookup as dnsLookup } from 'node:dns'
import { isIP, isIPv6 } from 'node:net'
import { Code } from '../protocol/codes.ts'
import { ensureDictionaries } from '../protocol/dictionary.ts'
import { decodePacket, type RadiusPacket } from '../protocol/packet.ts'
import { type HandlerOutcome, handleAccessRequest } from './access-handler.ts'
import { handleAccountingRequest } from './accounting-handler.ts'
import { type CountersSnapshot, RadiusCounters } from './counters.ts'
import { DuplicateCache } from './duplicates.ts'
import type { ReplyPolicy } from './policy.ts'
import type { AccountingStore, Authorizer, NasClient, NasDirectory } from './types.ts'

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

/**
 * Replies go to the address a request came from, always an IP literal: answered at once, where the
 * default lookup defers every send to the next tick. Names (a configured listen host) go to DNS.
 */
function literalLookup(
  hostname: string,
  family: LookupOptions | number,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const version = isIP(hostname)
  if (version !== 0) {
    callback(null, hostname, version)
    return
  }
  dnsLookup(hostname, typeof family === 'number' ? { family } : family, (error, address, found) =>
    callback(error, address as string, found as number),
  )
}

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
      lookup: literalLookup,
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

  /**
   * Handles one datagram; synchronous from receipt to reply when the NAS directory and the authorizer
   * answer from memory, so a request costs no promise or event-loop turn of its own.
   */
  private onDatagram(port: Port, socket: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    const counters = this.counters
    counters.received++
    counters.inFlight++
    const datagram: Datagram = { port, socket, rinfo, key: undefined }
    let pending: Promise<void> | void
    try {
      pending = this.handle(datagram, msg)
    } catch (error) {
      pending = undefined
      this.failed(datagram, error)
    }
    if (!pending) counters.inFlight--
    else
      pending.then(
        () => {
          counters.inFlight--
        },
        (error: unknown) => {
          counters.inFlight--
          this.failed(datagram, error)
        },
      )
  }

  private handle(datagram: Datagram, msg: Buffer): Promise<void> | void {
    const counters = this.counters
    const decoded = decodePacket(msg)
    if (!decoded.ok) return counters.drop(decoded.reason)
    const packet = decoded.packet
    const expected =
      datagram.port === 'auth'
        ? packet.code === Code.AccessRequest || packet.code === Code.StatusServer
        : packet.code === Code.AccountingRequest || packet.code === Code.StatusServer
    if (!expected) return counters.drop('unexpected-code')

    const address = normalizeAddress(datagram.rinfo.address)
    const found = this.options.nas.lookup(address)
    if (found instanceof Promise) return found.then((nas) => this.fromNas(datagram, packet, address, nas))
    return this.fromNas(datagram, packet, address, found)
  }

  private fromNas(
    datagram: Datagram,
    packet: RadiusPacket,
    address: string,
    nas: NasClient | undefined,
  ): Promise<void> | void {
    const counters = this.counters
    if (!nas) return counters.drop('unknown-nas')
    const { rinfo } = datagram
    const key = DuplicateCache.key(address, rinfo.port, packet.identifier, packet.authenticator)
    const seen = this.duplicates.peek(key)
    if (seen.state === 'in-progress') return counters.drop('duplicate-in-progress')
    if (seen.state === 'answered') {
      datagram.socket.send(seen.reply, rinfo.port, rinfo.address)
      return counters.reply('duplicate-resent')
    }
    datagram.key = key

    const source = { address, port: rinfo.port }
    const outcome =
      datagram.port === 'auth'
        ? handleAccessRequest(
            { authorize: this.options.authorize, policy: this.options.policy },
            packet,
            nas,
            source,
          )
        : handleAccountingRequest({ store: this.options.accounting, now: this.now }, packet, nas, source)
    if (outcome instanceof Promise) {
      // Copies that arrive before the answer are dropped; a synchronous answer needs no such entry.
      this.duplicates.hold(key)
      return outcome.then((o) => this.answer(datagram, address, o))
    }
    this.answer(datagram, address, outcome)
  }

  private answer(datagram: Datagram, address: string, outcome: HandlerOutcome): void {
    const { rinfo, key } = datagram
    const counters = this.counters
    datagram.key = undefined
    if ('drop' in outcome) {
      if (key) this.duplicates.abandon(key)
      if (outcome.error !== undefined) {
        this.options.onError?.(outcome.error, {
          port: datagram.port,
          source: `${address}:${rinfo.port}`,
          reason: outcome.drop,
        })
      }
      counters.drop(outcome.drop)
      return
    }
    if (key) this.duplicates.complete(key, outcome.reply)
    datagram.socket.send(outcome.reply, rinfo.port, rinfo.address)
    if (outcome.restricted !== undefined) counters.restrict(outcome.restricted)
    counters.reply(outcome.kind)
  }

  private failed(datagram: Datagram, error: unknown): void {
    if (datagram.key) this.duplicates.abandon(datagram.key)
    datagram.key = undefined
    this.counters.drop('internal-error')
    this.options.onError?.(error, {
      port: datagram.port,
      source: `${datagram.rinfo.address}:${datagram.rinfo.port}`,
      reason: 'internal-error',
    })
  }
}

/** One datagram being handled: `key` is set while its duplicate-cache entry is in progress. */
interface Datagram {
  port: Port
  socket: Socket
  rinfo: RemoteInfo
  key: string | undefined
}
