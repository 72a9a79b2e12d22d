// Random and mutated datagrams: 100,000 straight into the decoder and request parsing, a few thousand
// over UDP into the running server. Nothing may throw or crash; every datagram is answered or counted.
import { createSocket } from 'node:dgram'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import { namedAttributes } from '../../../../plugins/radius/protocol/dictionary.ts'
import { encodeMsChapV1Response, encodeMsChapV2Response } from '../../../../plugins/radius/protocol/mschap.ts'
import { decodePacket } from '../../../../plugins/radius/protocol/packet.ts'
import { handleAccessRequest } from '../../../../plugins/radius/server/access-handler.ts'
import { handleAccountingRequest } from '../../../../plugins/radius/server/accounting-handler.ts'
import { total } from '../../../../plugins/radius/server/counters.ts'
import { defaultReplyPolicy } from '../../../../plugins/radius/server/policy.ts'
import {
  type Subscriber,
  type SubscriberSource,
  subscriberAuthorizer,
} from '../../../../plugins/radius/server/subscriber-authorizer.ts'
import type { NasClient } from '../../../../plugins/radius/server/types.ts'
import { accessRequest, accountingRequest } from '../helpers/client.ts'
import { SECRET, startServer } from '../helpers/server.ts'

/** mulberry32: a seeded generator, so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), a | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function seeds(): Buffer[] {
  const ch = Buffer.alloc(16, 0x5b)
  return [
    accessRequest({
      userName: 'alice',
      secret: SECRET,
      auth: { method: 'pap', password: 'a fairly long password indeed' },
    }),
    accessRequest({
      userName: 'alice',
      secret: SECRET,
      auth: { method: 'chap', password: 'pw', challenge: ch },
    }),
    accessRequest({
      userName: 'alice',
      secret: SECRET,
      auth: {
        method: 'mschap',
        challenge: ch.subarray(0, 8),
        response: encodeMsChapV1Response(1, Buffer.alloc(24, 3)),
      },
    }),
    accessRequest({
      userName: 'alice',
      secret: SECRET,
      auth: {
        method: 'mschapv2',
        challenge: ch,
        response: encodeMsChapV2Response(1, ch, Buffer.alloc(24, 4)),
      },
      attributes: [
        { name: 'Calling-Station-Id', value: 'aa:bb:cc:dd:ee:ff' },
        { name: 'Mikrotik-Realm', value: 'x' },
      ],
    }),
    accountingRequest({
      secret: SECRET,
      attributes: [
        { name: 'Acct-Status-Type', value: 'Interim-Update' },
        { name: 'Acct-Session-Id', value: 's-1' },
        { name: 'Acct-Input-Gigawords', value: 1 },
        { name: 'Event-Timestamp', value: new Date(1_700_000_000_000) },
        { name: 'Tunnel-Type', value: 3 },
      ],
    }),
  ]
}

/** global.gc without --expose-gc: V8 lets the flag be set at run time, then a new context exposes it. */
function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc
  if (existing) return existing
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}

function mutate(rand: () => number, seed: Buffer): Buffer {
  const int = (n: number) => Math.floor(rand() * n)
  const p = Buffer.from(seed)
  switch (int(7)) {
    case 0:
      return p.subarray(0, int(p.length + 1))
    case 1: {
      for (let i = 0, n = 1 + int(6); i < n; i++) p[int(p.length)] = int(256)
      return p
    }
    case 2: {
      p.writeUInt16BE(int(5000), 2)
      return p
    }
    case 3: {
      // Break one attribute's length: 0, 1, or past the end.
      let offset = 20
      const stop = int(8)
      for (let i = 0; i < stop && offset + 1 < p.length && p[offset + 1]! >= 2; i++) offset += p[offset + 1]!
      if (offset + 1 < p.length) p[offset + 1] = [0, 1, 255, int(256)][int(4)]!
      return p
    }
    case 4:
      return Buffer.concat([p, Buffer.from(Array.from({ length: int(40) }, () => int(256)))])
    case 5: {
      p[0] = [Code.AccessRequest, Code.AccountingRequest, Code.StatusServer, Code.CoaRequest, int(256)][
        int(5)
      ]!
      return p
    }
    default:
      return Buffer.from(Array.from({ length: int(120) }, () => int(256)))
  }
}

t.test('100,000 mutated datagrams through the decoder and the request handlers', async (t) => {
  const rand = prng(20261125)
  const base = seeds()
  const nas: NasClient = { id: 1, name: 'fuzz', secret: SECRET, requireMessageAuthenticator: false }
  // Seams that keep nothing, so any heap growth would be the server's own.
  const alice: Subscriber = {
    id: 1,
    password: 'pw',
    state: 'active',
    replyAttributes: [{ name: 'Mikrotik-Rate-Limit', value: '1M/2M' }],
  }
  const source: SubscriberSource = { find: async (userName) => (userName === 'alice' ? alice : null) }
  let recorded = 0
  const store = { record: async () => void recorded++ }
  const deps = { authorize: subscriberAuthorizer(source), policy: defaultReplyPolicy }
  const from = { address: '127.0.0.1', port: 1 }
  const outcomes = new Map<string, number>()
  const bump = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1)

  const round = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const datagram = mutate(rand, base[i % base.length]!)
      const decoded = decodePacket(datagram)
      if (!decoded.ok) {
        bump(decoded.reason)
        continue
      }
      namedAttributes(decoded.packet)
      const p = decoded.packet
      const out =
        p.code === Code.AccessRequest
          ? await handleAccessRequest(deps, p, nas, from)
          : p.code === Code.AccountingRequest
            ? await handleAccountingRequest({ store, now: Date.now }, p, nas, from)
            : { drop: 'unexpected-code' as const }
      bump('drop' in out ? out.drop : out.kind)
      if ('drop' in out && out.drop === 'reply-failed') t.fail(`reply failed: ${String(out.error)}`)
    }
  }

  const gc = exposeGc()
  await round(20_000) // warm-up, so the heap is measured after lazy initialisation
  gc?.()
  const before = process.memoryUsage().heapUsed
  await round(80_000)
  gc?.()
  const after = process.memoryUsage().heapUsed
  const counted = [...outcomes.values()].reduce((a, b) => a + b, 0)
  t.equal(counted, 100_000, 'every datagram ended in a counted outcome')
  t.ok(
    (outcomes.get('access-accept') ?? 0) + (outcomes.get('access-accept-restricted') ?? 0) > 0,
    'some mutants still authenticate',
  )
  t.ok(
    (outcomes.get('attribute-overrun') ?? 0) > 0 && (outcomes.get('truncated') ?? 0) > 0,
    'malformed shapes were produced',
  )
  const growthMb = (after - before) / 1024 / 1024
  t.ok(
    growthMb < (gc ? 10 : 150),
    `heap growth ${growthMb.toFixed(1)} MB over 80,000 datagrams (${gc ? 'after gc' : 'no gc'})`,
  )
  t.equal(
    recorded,
    outcomes.get('accounting-response') ?? 0,
    'every acknowledged accounting packet was stored',
  )
  t.comment(JSON.stringify(Object.fromEntries(outcomes)))
})

t.test(
  'a few thousand mutated datagrams over UDP: the server answers or counts each, and keeps serving',
  async (t) => {
    const { ports, server, subscribers, settled } = await startServer(t)
    subscribers.add('alice', { password: 'pw' })
    const rand = prng(7)
    let base = seeds()
    const client = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 })
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve))
    t.teardown(() => client.close())
    let answers = 0
    let undecodable = 0
    client.on('message', (msg) => {
      answers++
      if (!decodePacket(msg).ok) undecodable++
    })
    const N = 4000
    for (let i = 0; i < N; i++) {
      // Fresh identifiers and authenticators, so mutants are not mostly retransmissions of each other.
      if (i % base.length === 0) base = seeds()
      const seed = base[i % base.length]!
      const port = seed[0] === Code.AccountingRequest ? ports.acctPort : ports.authPort
      client.send(mutate(rand, seed), port, '127.0.0.1')
      if (i % 200 === 199) await settled(i + 1)
    }
    const stats = await settled(N)
    t.equal(stats.received, N, 'every datagram reached the server')
    t.equal(
      total(stats.dropped) + total(stats.replies),
      N,
      'each one answered or dropped with a counted reason',
    )
    t.notOk(stats.dropped['internal-error'], 'no internal errors')
    for (let i = 0; i < 500 && answers < total(stats.replies); i++) await new Promise((r) => setTimeout(r, 2))
    t.equal(answers, total(stats.replies), 'every counted reply arrived')
    t.equal(undecodable, 0, 'every reply is a well-formed packet')

    const good = accessRequest({ userName: 'alice', secret: SECRET, auth: { method: 'pap', password: 'pw' } })
    client.send(good, ports.authPort, '127.0.0.1')
    await settled(N + 1)
    t.equal(
      server.stats().replies['access-accept'],
      (stats.replies['access-accept'] ?? 0) + 1,
      'still serving',
    )
    t.comment(JSON.stringify(stats))
  },
)
