/**
 * Duplicate detection (RFC 5080 2.2.2): a request is identified by source address, source port,
 * identifier and Request Authenticator. While the first copy is being handled, copies are dropped;
 * once answered, copies get the cached reply for a short time.
 *
 * Everything is kept in typed arrays allocated once, not in a Map of objects: at 10,000 requests a
 * second every cached reply, key and entry lived long enough to be copied out of the young generation
 * and then died in the old one, and those copies (about 440 bytes a request) made the longer minor
 * collections and the mark-compacts that set the auth p99. Here a request leaves nothing on the heap.
 * - slots form a ring in arrival order; the oldest is evicted when the ring is full, and expiry
 *   sweeps from the oldest;
 * - an open-addressing table (linear probing, backward-shift deletion) maps a key to its slot;
 * - replies are copied into a byte ring; a reply overwritten there before its entry expired (only
 *   when replies are far larger than usual) counts as not cached, and the request is handled again.
 */

export type DuplicateState =
  | { state: 'new' }
  | { state: 'in-progress' }
  | { state: 'answered'; reply: Buffer }

const NEW: DuplicateState = { state: 'new' }
const IN_PROGRESS: DuplicateState = { state: 'in-progress' }

/** Longest key kept (an IPv6 source with port, identifier and authenticator is 66); longer ones are not cached. */
const KEY_BYTES = 96
/** Reply bytes kept per slot on average (Access-Accepts with a few attributes are 40 to 150). */
const REPLY_BYTES = 128
const IN_FLIGHT = -1

export class DuplicateCache {
  private readonly capacity: number
  private readonly keys: Uint8Array
  private readonly keyLength: Uint8Array
  private readonly hashes: Int32Array
  /** 0: a dead slot (abandoned, superseded or evicted), not in the table. */
  private readonly expires: Float64Array
  /** Position of the reply in the byte ring (see store()), or IN_FLIGHT. */
  private readonly replyAt: Float64Array
  private readonly replyLength: Uint16Array
  /** Slot + 1 per bucket; 0 is empty. */
  private readonly table: Int32Array
  private readonly mask: number
  private readonly replies: Uint8Array
  /** Bytes ever written to the reply ring. */
  private written = 0
  private head = 0
  private used = 0
  private live = 0

  constructor(
    private readonly ttlMs: number,
    maxEntries: number,
    private readonly now: () => number,
  ) {
    this.capacity = Math.max(1, maxEntries)
    this.keys = new Uint8Array(this.capacity * KEY_BYTES)
    this.keyLength = new Uint8Array(this.capacity)
    this.hashes = new Int32Array(this.capacity)
    this.expires = new Float64Array(this.capacity)
    this.replyAt = new Float64Array(this.capacity)
    this.replyLength = new Uint16Array(this.capacity)
    let buckets = 16
    while (buckets < this.capacity * 2) buckets *= 2
    this.table = new Int32Array(buckets)
    this.mask = buckets - 1
    this.replies = new Uint8Array(Math.max(64 * 1024, this.capacity * REPLY_BYTES))
  }

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
    const slot = this.find(key)
    if (slot < 0 || this.expires[slot]! <= now) return NEW
    const at = this.replyAt[slot]!
    if (at === IN_FLIGHT) return IN_PROGRESS
    if (this.written > at + this.replies.length) return NEW
    const from = at % this.replies.length
    return {
      state: 'answered',
      reply: Buffer.from(this.replies.subarray(from, from + this.replyLength[slot]!)),
    }
  }

  /** Marks a new request as being handled, so copies arriving meanwhile are dropped. */
  hold(key: string): void {
    this.abandon(key)
    this.insert(key, this.now() + this.ttlMs)
  }

  complete(key: string, reply: Buffer): void {
    const expires = this.now() + this.ttlMs
    let slot = this.find(key)
    if (slot < 0) slot = this.insert(key, expires)
    if (slot < 0) return
    if (reply.length > 0xffff || reply.length > this.replies.length / 2) {
      this.kill(slot)
      return
    }
    this.expires[slot] = expires
    this.replyAt[slot] = this.store(reply)
    this.replyLength[slot] = reply.length
  }

  /** Forgets a request that was dropped, so a retransmission is handled afresh. */
  abandon(key: string): void {
    const slot = this.find(key)
    if (slot >= 0) this.kill(slot)
  }

  get size(): number {
    return this.live
  }

  private insert(key: string, expires: number): number {
    if (key.length > KEY_BYTES) return -1
    if (this.used === this.capacity) this.dropOldest()
    const slot = (this.head + this.used) % this.capacity
    this.used++
    const base = slot * KEY_BYTES
    for (let i = 0; i < key.length; i++) this.keys[base + i] = key.charCodeAt(i)
    this.keyLength[slot] = key.length
    const hash = hashOf(key)
    this.hashes[slot] = hash
    this.expires[slot] = expires
    this.replyAt[slot] = IN_FLIGHT
    let i = hash & this.mask
    while (this.table[i] !== 0) i = (i + 1) & this.mask
    this.table[i] = slot + 1
    this.live++
    return slot
  }

  private find(key: string): number {
    if (key.length > KEY_BYTES) return -1
    const hash = hashOf(key)
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.table[i]!
      if (entry === 0) return -1
      const slot = entry - 1
      if (this.hashes[slot] === hash && this.holds(slot, key)) return slot
    }
  }

  private holds(slot: number, key: string): boolean {
    if (this.keyLength[slot] !== key.length) return false
    const base = slot * KEY_BYTES
    for (let i = 0; i < key.length; i++) if (this.keys[base + i] !== key.charCodeAt(i)) return false
    return true
  }

  /** Takes a live slot out of the table (its ring place is reclaimed when the sweep reaches it). */
  private kill(slot: number): void {
    if (this.expires[slot] === 0) return
    this.expires[slot] = 0
    this.live--
    const mask = this.mask
    let hole = this.hashes[slot]! & mask
    while (this.table[hole] !== slot + 1) hole = (hole + 1) & mask
    this.table[hole] = 0
    // Backward shift: move later entries of the probe run into the hole unless their home lies after it.
    for (let j = (hole + 1) & mask; this.table[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[this.table[j]! - 1]! & mask
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j
      if (stays) continue
      this.table[hole] = this.table[j]!
      this.table[j] = 0
      hole = j
    }
  }

  private dropOldest(): void {
    this.kill(this.head)
    this.head = (this.head + 1) % this.capacity
    this.used--
  }

  /** Expired and dead slots from the oldest on; stops at the first one still alive. */
  private sweep(now: number): void {
    while (this.used > 0) {
      const expires = this.expires[this.head]!
      if (expires > now) return
      this.dropOldest()
    }
  }

  /** Copies a reply into the byte ring (never across its end); returns where it starts. */
  private store(reply: Uint8Array): number {
    const size = this.replies.length
    let at = this.written
    if ((at % size) + reply.length > size) at += size - (at % size)
    this.replies.set(reply, at % size)
    this.written = at + reply.length
    return at
  }
}

/** FNV-1a over the key's characters (bytes: the key is latin1). */
function hashOf(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return h
}
