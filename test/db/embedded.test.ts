import t from 'tap'
import { connect as tcp } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { openEmbedded, openMemoryEmbedded, EmbeddedLockedError } from '../../db/embedded.ts'

t.test('many clients at once: every answer belongs to its own query', async (t) => {
  const e = await openMemoryEmbedded()
  t.teardown(() => e.close())
  const sql = postgres(e.url, { max: 4, onnotice: () => {} })
  t.teardown(() => sql.end())
  await sql`create table t (id int primary key, v text)`
  await sql`insert into t select g, 'v' || g from generate_series(1, 500) g`
  let wrong = 0
  for (let round = 0; round < 10; round++) {
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const n = ((i * 37 + round) % 500) + 1
        if (i % 3 === 0) {
          const [r] = await sql`select count(*)::int as c from t where id <= ${n}`
          if (r!.c !== n) wrong++
        } else if (i % 3 === 1) {
          const [r] = await sql`select v from t where id = ${n}`
          if (r!.v !== `v${n}`) wrong++
        } else {
          await sql.begin(async (tx) => {
            await tx`update t set v = ${`w${n}`} where id = ${n}`
            const [r] = await tx`select v from t where id = ${n}`
            if (r!.v !== `w${n}`) wrong++
            await tx`update t set v = ${`v${n}`} where id = ${n}`
          })
        }
      }),
    )
  }
  t.equal(wrong, 0, 'no query saw another one’s result')
})

t.test('a transaction keeps the backend: another client cannot see or join it', async (t) => {
  const e = await openMemoryEmbedded()
  t.teardown(() => e.close())
  const a = postgres(e.url, { max: 1, onnotice: () => {} })
  const b = postgres(e.url, { max: 1, onnotice: () => {} })
  t.teardown(async () => {
    await a.end()
    await b.end()
  })
  await a`create table x (n int)`
  let bSaw = -1
  await a.begin(async (tx) => {
    await tx`insert into x values (1)`
    const other = b`select count(*)::int as c from x`.then(([r]) => {
      bSaw = r!.c
    })
    await new Promise((r) => setTimeout(r, 30))
    t.equal(bSaw, -1, 'the other client waits while the transaction is open')
    await tx`insert into x values (2)`
    void other
  })
  await new Promise((r) => setTimeout(r, 30))
  const [r] = await b`select count(*)::int as c from x`
  t.equal(r!.c, 2)
  t.equal(bSaw, 2, 'the waiting query ran after the commit and saw both rows')
})

// Frontend messages built by hand, to split an extended-protocol unit across two writes.
const msg = (type: string, body: Buffer) => {
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}
const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8')
const int16 = (n: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

t.test('an extended-protocol unit split over two writes is not interleaved with another client', async (t) => {
  const e = await openMemoryEmbedded()
  t.teardown(() => e.close())
  const port = Number(new URL(e.url).port)
  const sock = tcp(port, '127.0.0.1')
  t.teardown(() => sock.destroy())
  let received = Buffer.alloc(0)
  sock.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d])
  })
  await new Promise((r) => sock.once('connect', r))
  const startupBody = Buffer.concat([int32(196608), cstr('user'), cstr('postgres'), cstr('database'), cstr('postgres'), Buffer.from([0])])
  sock.write(Buffer.concat([int32(startupBody.length + 4), startupBody]))
  await new Promise((r) => setTimeout(r, 100))
  received = Buffer.alloc(0)
  // Parse + Bind of the unnamed statement "select 'mine'", no Sync yet.
  sock.write(Buffer.concat([msg('P', Buffer.concat([cstr(''), cstr("select 'mine' as who"), int16(0)])), msg('B', Buffer.concat([cstr(''), cstr(''), int16(0), int16(0), int16(0)]))]))
  await new Promise((r) => setTimeout(r, 50))
  // Another client runs its own unnamed statement meanwhile.
  const other = postgres(e.url, { max: 1, prepare: false, onnotice: () => {} })
  t.teardown(() => other.end())
  const otherResult = other`select 'theirs' as who`
  await new Promise((r) => setTimeout(r, 50))
  sock.write(Buffer.concat([msg('E', Buffer.concat([cstr(''), int32(0)])), msg('S', Buffer.alloc(0))]))
  const [theirs] = await otherResult
  t.equal(theirs!.who, 'theirs')
  for (let i = 0; i < 100 && !received.includes(Buffer.from('Z')); i++) await new Promise((r) => setTimeout(r, 10))
  t.ok(received.includes(Buffer.from('mine')), 'the split unit executed its own statement')
  t.notOk(received.includes(Buffer.from('theirs')), 'and not the other client’s')
})

t.test('a second process cannot open the same data directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-embedded-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const first = await openEmbedded(dir)
  t.teardown(() => first.close())
  const { writeFileSync } = await import('node:fs')
  // Same process would be allowed to re-take its own lock; pretend the holder is another live process.
  writeFileSync(join(dir, 'uplink.lock'), String(process.ppid))
  await t.rejects(openEmbedded(dir), EmbeddedLockedError, 'refused with a clear error')
  writeFileSync(join(dir, 'uplink.lock'), String(process.pid))
})
