/**
 * Duplicate detection (RFC 5080 2.2.2): a request is identified by source address, source port,
 * identifier and Request Authenticator. While the first copy is being handled, copies are dropped;
 * once answered, copies get the cached reply for a short time.
 */

type Entry = { reply: Buffer | null; expires: number }

export type DuplicateState =
  | { state: 'new' }
  | { state: 'in-progress' }
  | { state: 'answered'; reply: Buffer }

export class DuplicateCache {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  static key(address: string, port: number, identifier: number, authenticator: Buffer): string {
    return `${address}|${port}|${identifier}|${authenticator.toString('base64')}`
  }

  /** Registers a request; tells whether it is new, being handled, or already answered. */
  begin(key: string): DuplicateState {
    const now = this.now()
    this.sweep(now)
    const entry = this.entries.get(key)
    if (entry && entry.expires > now) {
      return entry.reply ? { state: 'answered', reply: entry.reply } : { state: 'in-progress' }
    }
    this.entries.delete(key)
    this.entries.set(key, { reply: null, expires: now + this.ttlMs })
    this.evictOverflow()
    return { state: 'new' }
  }

  complete(key: string, reply: Buffer): void {
    this.entries.delete(key)
    this.entries.set(key, { reply, expires: this.now() + this.ttlMs })
    this.evictOverflow()
  }

  /** Forgets a request that was dropped, so a retransmission is handled afresh. */
  abandon(key: string): void {
    this.entries.delete(key)
  }

  get size(): number {
    return this.entries.size
  }

  // Entries sit in insertion order, which is expiry order: sweep from the front.
  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) break
      this.entries.delete(key)
    }
  }

  private evictOverflow(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done) break
      this.entries.delete(oldest.value)
    }
  }
}
