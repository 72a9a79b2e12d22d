import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { desEncrypt7, desEncryptBlock, expandDesKey } from '../../../../plugins/radius/protocol/des.ts'
import { md4 } from '../../../../plugins/radius/protocol/md4.ts'

t.test('MD4 matches the RFC 1320 appendix A.5 test suite', async (t) => {
  const suite: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ]
  for (const [input, digest] of suite)
    t.equal(md4(Buffer.from(input)).toString('hex'), digest, JSON.stringify(input))
})

t.test('DES matches the classic FIPS 46 worked example and a known-answer vector', async (t) => {
  const c = desEncryptBlock(Buffer.from('133457799BBCDFF1', 'hex'), Buffer.from('0123456789ABCDEF', 'hex'))
  t.equal(c.toString('hex'), '85e813540f0ab405')
  // NBS SP 500-20 variable-plaintext vector: key 0101..01, plaintext 8000..00.
  const v = desEncryptBlock(Buffer.from('0101010101010101', 'hex'), Buffer.from('8000000000000000', 'hex'))
  t.equal(v.toString('hex'), '95f8a5e5dd31d900')
})

t.test('7-byte keys spread over 8 bytes as RFC 2759 DesEncrypt does', async (t) => {
  t.equal(expandDesKey(Buffer.from('ffffffffffffff', 'hex')).toString('hex'), 'fefefefefefefefe')
  t.equal(expandDesKey(Buffer.from('80000000000000', 'hex')).toString('hex'), '8000000000000000')
  t.throws(() => expandDesKey(Buffer.alloc(8)), RangeError)
})

const legacy = spawnSync(process.execPath, [
  '--openssl-legacy-provider',
  '-e',
  "require('node:crypto').createHash('md4')",
])
const legacySkip =
  legacy.status === 0 ? false : 'this Node/OpenSSL has no legacy provider to compare MD4/DES with'

t.test(
  'MD4 and DES agree with OpenSSL (legacy provider) on random inputs',
  { skip: legacySkip },
  async (t) => {
    const cases = Array.from({ length: 200 }, (_, i) => ({
      data: randomBytes(i % 150).toString('hex'),
      key: randomBytes(7).toString('hex'),
      block: randomBytes(8).toString('hex'),
    }))
    const script = `
    const c = require('node:crypto')
    const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'))
    const out = cases.map(({ data, key, block }) => {
      const k = Buffer.from(key, 'hex'); const bits = []
      for (let i = 0; i < 56; i++) bits.push((k[i >> 3] >> (7 - (i & 7))) & 1)
      const k8 = Buffer.alloc(8)
      for (let i = 0; i < 8; i++) for (let j = 0; j < 7; j++) k8[i] |= bits[i * 7 + j] << (7 - j)
      const d = c.createCipheriv('des-ecb', k8, null); d.setAutoPadding(false)
      return { md4: c.createHash('md4').update(Buffer.from(data, 'hex')).digest('hex'),
               des: d.update(Buffer.from(block, 'hex')).toString('hex') }
    })
    process.stdout.write(JSON.stringify(out))`
    const run = spawnSync(process.execPath, ['--openssl-legacy-provider', '-e', script], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
    })
    t.equal(run.status, 0, run.stderr)
    const expected = JSON.parse(run.stdout) as { md4: string; des: string }[]
    let mismatches = 0
    cases.forEach((c, i) => {
      if (md4(Buffer.from(c.data, 'hex')).toString('hex') !== expected[i]!.md4) mismatches++
      if (
        desEncrypt7(Buffer.from(c.key, 'hex'), Buffer.from(c.block, 'hex')).toString('hex') !==
        expected[i]!.des
      )
        mismatches++
    })
    t.equal(mismatches, 0, '400 digests and blocks identical')
  },
)
