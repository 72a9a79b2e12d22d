import t from 'tap'
import { DuplicateCache } from '../../../../plugins/radius/server/duplicates.ts'

t.test('cached replies expire after the TTL and the cache is bounded', async (t) => {
  let now = 1000
  const cache = new DuplicateCache(5000, 3, () => now)
  const key = DuplicateCache.key('10.0.0.1', 1645, 7, Buffer.alloc(16, 1))
  t.same(cache.begin(key), { state: 'new' })
  t.same(cache.begin(key), { state: 'in-progress' })
  cache.complete(key, Buffer.from('reply'))
  now += 4999
  t.same(cache.begin(key), { state: 'answered', reply: Buffer.from('reply') })
  now += 1
  t.same(cache.begin(key), { state: 'new' }, 'expired: handled again')
  cache.abandon(key)
  t.equal(cache.size, 0)

  for (let i = 0; i < 10; i++) cache.begin(DuplicateCache.key('10.0.0.1', 1645, i, Buffer.alloc(16)))
  t.equal(cache.size, 3, 'never more than maxEntries')
  t.same(
    cache.begin(DuplicateCache.key('10.0.0.1', 1645, 9, Buffer.alloc(16))),
    { state: 'in-progress' },
    'newest kept',
  )
  t.not(
    DuplicateCache.key('10.0.0.1', 1645, 7, Buffer.alloc(16)),
    DuplicateCache.key('10.0.0.1', 1646, 7, Buffer.alloc(16)),
  )
})

t.test('eviction and expiry by arrival, with answered and abandoned entries in between', async (t) => {
  let now = 0
  const cache = new DuplicateCache(1000, 100, () => now)
  const key = (i: number) => DuplicateCache.key('10.0.0.1', 1000 + i, i & 255, Buffer.alloc(16, i & 255))
  for (let i = 0; i < 1000; i++) {
    now = i
    t.equal(cache.begin(key(i)).state, 'new')
    if (i % 3 === 0) cache.complete(key(i), Buffer.of(i & 255))
    if (i % 7 === 0) cache.abandon(key(i))
    t.ok(cache.size <= 100)
  }
  t.equal(cache.begin(key(999)).state, 'answered', 'the newest answered entry is kept')
  t.equal(cache.begin(key(998)).state, 'in-progress')
  t.equal(cache.begin(key(994)).state, 'new', 'an abandoned one is handled again')
  t.equal(cache.begin(key(800)).state, 'new', 'evicted (more than 100 since)')

  now = 5000
  cache.begin(key(2000))
  t.equal(cache.size, 1, 'everything older than the TTL swept')
  cache.complete(key(2000), Buffer.from('r'))
  now = 5999
  t.same(cache.begin(key(2000)), { state: 'answered', reply: Buffer.from('r') })
  now = 6000
  t.equal(cache.begin(key(2000)).state, 'new', 'expired')
})

t.test('peek registers nothing; a request answered at once needs only complete()', async (t) => {
  let now = 0
  const cache = new DuplicateCache(1000, 10, () => now)
  const key = DuplicateCache.key('10.0.0.1', 1645, 7, Buffer.alloc(16, 3))
  t.same(cache.peek(key), { state: 'new' })
  t.same(cache.peek(key), { state: 'new' }, 'still new: nothing was registered')
  t.equal(cache.size, 0)
  cache.complete(key, Buffer.from('reply'))
  t.same(cache.peek(key), { state: 'answered', reply: Buffer.from('reply') })
  now = 1000
  t.same(cache.peek(key), { state: 'new' }, 'expired')
  cache.hold(key)
  t.same(cache.peek(key), { state: 'in-progress' }, 'held while an answer is awaited')
  cache.abandon(key)
  t.same(cache.peek(key), { state: 'new' })
  t.not(
    DuplicateCache.key('10.0.0.1', 1645, 7, Buffer.alloc(16, 3)),
    DuplicateCache.key('10.0.0.1', 1645, 7, Buffer.alloc(16, 4)),
    'authenticators that differ give different keys',
  )
})

t.test('agrees with a plain map model over many random operations (probe runs and deletions)', async (t) => {
  let now = 0
  // 256 slots, 512 buckets, up to ~100 live keys (long probe runs); with a TTL of 50 steps the ring
  // never fills, so the model needs no eviction.
  const cache = new DuplicateCache(50, 256, () => now)
  const model = new Map<string, { expires: number; reply: Buffer | null }>()
  const keys = Array.from({ length: 150 }, (_, i) =>
    DuplicateCache.key(`10.0.${i % 3}.1`, 1000 + i, i, Buffer.alloc(16, i)),
  )
  let seed = 12345
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
  const expected = (key: string) => {
    const entry = model.get(key)
    if (!entry || entry.expires <= now) return { state: 'new' }
    return entry.reply ? { state: 'answered', reply: entry.reply } : { state: 'in-progress' }
  }
  let mismatches = 0
  let cached = 0
  for (let step = 0; step < 20_000; step++) {
    now = step
    const key = keys[random(keys.length)]!
    const op = random(4)
    if (op === 0) {
      const want = expected(key)
      if (want.state !== 'new') cached++
      if (JSON.stringify(cache.peek(key)) !== JSON.stringify(want)) mismatches++
    } else if (op === 1) {
      cache.hold(key)
      model.set(key, { expires: now + 50, reply: null })
    } else if (op === 2) {
      const reply = Buffer.from(`reply ${step}`)
      cache.complete(key, reply)
      model.set(key, { expires: now + 50, reply })
    } else {
      cache.abandon(key)
      model.delete(key)
    }
  }
  t.ok(cached > 500, `many peeks found an entry (${cached})`)
  t.equal(mismatches, 0, 'every peek agreed with the model')
})

t.test('a reply overwritten in the byte ring counts as not cached', async (t) => {
  const now = 0
  const first = DuplicateCache.key('10.0.0.1', 1, 1, Buffer.alloc(16))
  const big = new DuplicateCache(1000, 600, () => now)
  big.complete(first, Buffer.alloc(20_000, 1))
  const other = (i: number) => DuplicateCache.key('10.0.0.2', i, i, Buffer.alloc(16))
  for (let i = 0; i < 2; i++) big.complete(other(i), Buffer.alloc(20_000, 2))
  t.equal(big.peek(first).state, 'answered', 'the ring is 76,800 bytes: still there after two more')
  // The third does not fit before the ring's end, so it is written at its start.
  big.complete(other(2), Buffer.alloc(20_000, 2))
  t.equal(big.peek(first).state, 'new', 'overwritten: handled again')
  t.equal(big.peek(other(1)).state, 'answered', 'the ones after it are kept')
  const last = big.peek(other(2))
  t.equal(last.state, 'answered')
  t.ok(last.state === 'answered' && last.reply.every((b) => b === 2), 'the newest reply reads back whole')
})
