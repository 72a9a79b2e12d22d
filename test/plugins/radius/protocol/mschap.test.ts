import t from 'tap'
import {
  challengeHash,
  challengeResponse,
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  lmPasswordHash,
  mschapUserName,
  ntPasswordHash,
  parseMsChapV2Response,
  encodeMsChapV2Response,
} from '../../../../plugins/radius/protocol/mschap.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

// RFC 2759 section 9.2.
const authChallenge = hex('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28')
const peerChallenge = hex('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E')

t.test('MS-CHAPv2 reproduces the RFC 2759 section 9.2 vectors step by step', async (t) => {
  const passwordHash = ntPasswordHash('clientPass')
  t.same(passwordHash, hex('44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE'), 'NtPasswordHash')
  t.same(challengeHash(peerChallenge, authChallenge, 'User'), hex('D0 2E 43 86 BC E9 12 26'), 'ChallengeHash')
  const nt = generateNtResponse(authChallenge, peerChallenge, 'User', passwordHash)
  t.same(nt, hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF'), 'NT-Response')
  t.same(
    hashNtPasswordHash(passwordHash),
    hex('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F'),
    'PasswordHashHash',
  )
  t.equal(
    generateAuthenticatorResponse(passwordHash, nt, peerChallenge, authChallenge, 'User'),
    'S=407A5589115FD0D6209F510FE9C04566932CDA56',
    'AuthenticatorResponse',
  )
})

t.test('the user name is hashed without its domain', async (t) => {
  t.equal(mschapUserName('EXAMPLE\\User'), 'User')
  t.same(challengeHash(peerChallenge, authChallenge, 'EXAMPLE\\User'), hex('D0 2E 43 86 BC E9 12 26'))
})

t.test('MS-CHAPv1 reproduces RFC 2433 appendix B.2', async (t) => {
  const hash = ntPasswordHash('MyPw')
  t.same(hash, hex('FC156AF7EDCD6C0EDDE3337D427F4EAC'))
  t.same(
    challengeResponse(hex('102DB5DF085D3041'), hash),
    hex('4E9D3C8F9CFD385D5BF4D3246791956CA4C351AB409A3D61'),
  )
})

t.test('LM hash of a short ASCII password, and none for passwords LM cannot hold', async (t) => {
  t.same(lmPasswordHash('clientPass'), hex('76a152936096d7830e2390227404afd2'))
  t.equal(lmPasswordHash('fifteen-chars!!'), null)
  t.equal(lmPasswordHash('пароль'), null)
})

t.test('MS-CHAP2-Response round-trips and rejects the wrong size', async (t) => {
  const v = encodeMsChapV2Response(9, peerChallenge, hex('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF'))
  const parsed = parseMsChapV2Response(v)!
  t.equal(parsed.ident, 9)
  t.same(parsed.peerChallenge, peerChallenge)
  t.equal(parseMsChapV2Response(v.subarray(0, 49)), null)
})
