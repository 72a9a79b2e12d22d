/** Counters for every way a datagram can end: each received datagram ends in exactly one of them. */
import type { DropReason as DecodeDropReason } from '../protocol/packet.ts'

export type DropReason =
  | DecodeDropReason
  | 'unexpected-code'
  | 'unknown-nas'
  | 'bad-authenticator'
  | 'bad-message-authenticator'
  | 'missing-message-authenticator'
  | 'duplicate-in-progress'
  | 'malformed-request'
  | 'authorize-failed'
  | 'store-failed'
  | 'reply-failed'
  | 'internal-error'

export type ReplyKind =
  | 'access-accept'
  | 'access-accept-restricted'
  | 'access-reject'
  | 'accounting-response'
  | 'status-server'
  | 'duplicate-resent'

export interface CountersSnapshot {
  received: number
  dropped: Partial<Record<DropReason, number>>
  replies: Partial<Record<ReplyKind, number>>
  /** Restricted accepts by reason 0..4. */
  restricted: Record<string, number>
  /** Datagrams still being handled (authorizer or store not yet resolved). */
  inFlight: number
}

export class RadiusCounters {
  received = 0
  inFlight = 0
  private readonly dropped = new Map<DropReason, number>()
  private readonly replies = new Map<ReplyKind, number>()
  private readonly restricted = new Map<number, number>()

  drop(reason: DropReason): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1)
  }

  reply(kind: ReplyKind): void {
    this.replies.set(kind, (this.replies.get(kind) ?? 0) + 1)
  }

  restrict(reason: number): void {
    this.restricted.set(reason, (this.restricted.get(reason) ?? 0) + 1)
  }

  snapshot(): CountersSnapshot {
    return {
      received: this.received,
      dropped: Object.fromEntries(this.dropped),
      replies: Object.fromEntries(this.replies),
      restricted: Object.fromEntries([...this.restricted].map(([k, v]) => [String(k), v])),
      inFlight: this.inFlight,
    }
  }
}

export const total = (counts: Partial<Record<string, number>>): number =>
  Object.values(counts).reduce<number>((sum, n) => sum + (n ?? 0), 0)
