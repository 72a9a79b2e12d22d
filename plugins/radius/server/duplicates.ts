/**
 * Duplicate detection (RFC 5080 2.2.2): a request is identified by source address, source port,
 * identifier and Request Authenticator. While the first copy is being handled, copies are dropped;
 * once answered, copies get the cached reply for a short time.
 *
 * Expiry and eviction go by a queue of (key, expiry) beside the map, never by iterating the map: a
 * Map keeps deleted slots at its front until it is rehashed, so walking it from the oldest entry
 * steps over every entry deleted since, on each request (at 10,000 requests/s most of the time went
 * there).
 */

type Entry = { reply: Buffer | null; expires: number }

export type DuplicateState =
  | { state: 'new' }
  | { state: 'in-progress' }
  | { state: 'answered'; reply: Buffer }

const NEW: DuplicateState = { state: 'new' }
const IN_PROGRESS: DuplicateState = { state: 'in-progress' }

/** A growing ring of (key, expiry) in the order they were queued. */
class ExpiryQueue {
  private keys: (string | undefined)[] = new Array(1024)
  private times = new Float64Array(1024)
  private head = 0
  length = 0

  push(key: string, expires: number): void {
    if (this.length === this.keys.length) this.grow()
    const at = (this.head + this.length) & (this.keys.length - 1)
    this.keys[at] = key
    this.times[at] = expires
    this.length++
  }

  firstExpires(): number {
    return this.times[this.head]!
  }

  /** Removes the oldest record and returns its key (read its expiry first with firstExpires()). */
  shift(): string {
    const key = this.keys[this.head]!
    this.keys[this.head] = undefined
    this.head = (this.head + 1) & (this.keys.length - 1)
    this.length--
    return key
  }

  private grow(): void {
    const size = this.keys.length
    const keys: (string | undefined)[] = new Array(size * 2)
    const times = new Float64Array(size * 2)
    for (let i = 0; i < this.length; i++) {
      keys[i] = this.keys[(this.head + i) & (size - 1)]
      times[i] = this.times[(this.head + i) & (size - 1)]!
    }
    this.keys = keys
    this.times = times
    this.head = 0
  }
}

export class DuplicateCache {
  private readonly entries = new Map<string, Entry>()
  private readonly queue = new ExpiryQueue()

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  static key(address: string, port: number, identifier: number, authenticator: Buffer): string {
    // latin1: one character per byte, no encoding work, and a short key.
    return `${address}|${port}|${identifier}|${authenticator.toString('latin1')}`
  }

  /** Registers a request; tells whether it is new, being handled, or already answered. */
  begin(key: string): DuplicateState {
    const seen = this.peek(key)
    if (seen === NEW) this.hold(key)
    return seen
  }

  /**
   * Tells whether a request is new, being handled, or already answered, without registering it: a
   * request answered before the next datagram is read needs no in-progress entry, only complete().
   */
  peek(key: string): DuplicateState {
    const now = this.now()
    this.sweep(now)
    const entry = this.entries.get(key)
    if (entry && entry.expires > now) {
      return entry.reply ? { state: 'answered', reply: entry.reply } : IN_PROGRESS
    }
    return NEW
  }

  /** Marks a new request as being handled, so copies arriving meanwhile are dropped. */
  hold(key: string): void {
    this.entries.delete(key)
    this.put(key, { reply: null, expires: this.now() + this.ttlMs })
  }

  complete(key: string, reply: Buffer): void {
    const expires = this.now() + this.ttlMs
    const entry = this.entries.get(key)
    if (!entry) {
      this.put(key, { reply, expires })
      return
    }
    entry.reply = reply
    entry.expires = expires
    this.queue.push(key, expires)
  }

  /** Forgets a request that was dropped, so a retransmission is handled afresh. */
  abandon(key: string): void {
    this.entries.delete(key)
  }

  get size(): number {
    return this.entries.size
  }

  private put(key: string, entry: Entry): void {
    this.entries.set(key, entry)
    this.queue.push(key, entry.expires)
    // Oldest first; a record whose entry has since been answered (queued again) or dropped is skipped.
    while (this.entries.size > this.maxEntries && this.queue.length > 0) {
      const expires = this.queue.firstExpires()
      const oldest = this.queue.shift()
      if (this.entries.get(oldest)?.expires === expires) this.entries.delete(oldest)
    }
  }

  private sweep(now: number): void {
    const queue = this.queue
    while (queue.length > 0 && queue.firstExpires() <= now) {
      const key = queue.shift()
      const entry = this.entries.get(key)
      if (entry && entry.expires <= now) this.entries.delete(key)
    }
  }
}
