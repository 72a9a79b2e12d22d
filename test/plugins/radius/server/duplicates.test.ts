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
