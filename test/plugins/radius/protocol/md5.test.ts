import { createHash, createHmac, randomBytes } from 'node:crypto'
import t from 'tap'
import { hmacMd5, md5 } from '../../../../plugins/radius/protocol/md5.ts'

t.test('MD5 of parts is the MD5 of their concatenation', async (t) => {
  t.equal(md5().toString('hex'), 'd41d8cd98f00b204e9800998ecf8427e', 'RFC 1321: the empty string')
  t.equal(
    md5(Buffer.from('message '), Buffer.from('digest')).toString('hex'),
    'f96b697d7cb7938d525a2f31aaf161d0',
  )
  const big = randomBytes(20_000)
  t.same(md5(big, big), createHash('md5').update(big).update(big).digest(), 'longer than the reused buffer')
})

t.test('HMAC-MD5 matches RFC 2104 / RFC 2202 vectors and node:crypto', async (t) => {
  // RFC 2202 test cases 1, 2 and 6 (a key longer than the block).
  t.equal(
    hmacMd5(Buffer.alloc(16, 0x0b), Buffer.from('Hi There')).toString('hex'),
    '9294727a3638bb1c13f48ef8158bfc9d',
  )
  t.equal(
    hmacMd5(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')).toString('hex'),
    '750c783e6ab0b503eaa86e310a5db738',
  )
  t.equal(
    hmacMd5(
      Buffer.alloc(80, 0xaa),
      Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
    ).toString('hex'),
    '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd',
  )
  for (const keyLength of [0, 1, 63, 64, 65]) {
    for (const dataLength of [0, 17, 4096]) {
      const key = randomBytes(keyLength)
      const data = randomBytes(dataLength)
      t.same(
        hmacMd5(key, data),
        createHmac('md5', key).update(data).digest(),
        `key ${keyLength}, data ${dataLength}`,
      )
    }
  }
})
