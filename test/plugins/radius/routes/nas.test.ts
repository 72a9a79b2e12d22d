// The NAS registry over the API and the panel: secrets sealed at rest, changes live at once, audited.
import t from 'tap'
import { decryptSecret } from '../../../../core/kernel/secrets.ts'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import { decodePacket } from '../../../../plugins/radius/protocol/packet.ts'
import { TEST_INSTANCE_KEY } from '../../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { accessRequest } from '../helpers/client.ts'
import { NAS_SECRET, radiusApp } from '../helpers/app.ts'
import { exchange } from '../helpers/udp.ts'

const r = await radiusApp(t)
const sql = r.database.sql
await r.subscriber('alice', 'alice-pass-1')

const pap = (secret: string) =>
  accessRequest({ userName: 'alice', secret, auth: { method: 'pap', password: 'alice-pass-1' } })
const answered = async (secret: string) => {
  const reply = await exchange(r.ports.authPort, pap(secret), 800)
  const decoded = reply ? decodePacket(reply) : null
  return decoded?.ok ? decoded.packet.code : null
}

t.test('create, read, update and delete a NAS; the secret is sealed and never returned', async (t) => {
  const created = await r.call('POST', '/api/v1/radius/nas', {
    name: 'Tower 7',
    ipAddress: '10.7.0.1',
    secret: 'tower-seven-secret',
    type: 'cisco',
    coaPort: 1700,
  })
  t.equal(created.statusCode, 201, created.body)
  const nas = created.json()
  t.match(nas, {
    name: 'Tower 7',
    ipAddress: '10.7.0.1',
    type: 'cisco',
    coaPort: 1700,
    requests: 0,
    lastSeenAt: null,
  })
  t.notOk('secret' in nas || 'secretEncrypted' in nas, 'no secret in the answer')

  const [stored] = await sql<{ secretEncrypted: string }[]>`
    select secret_encrypted as "secretEncrypted" from radius_nas where id = ${nas.id}`
  t.not(stored!.secretEncrypted, 'tower-seven-secret')
  t.notOk(stored!.secretEncrypted.includes('tower-seven'), 'not stored in clear')
  t.equal(
    decryptSecret(TEST_INSTANCE_KEY, stored!.secretEncrypted),
    'tower-seven-secret',
    'sealed with the instance key',
  )

  const duplicate = await r.call('POST', '/api/v1/radius/nas', {
    name: 'Again',
    ipAddress: '10.7.0.1',
    secret: 'another-secret',
  })
  t.equal(duplicate.statusCode, 400)
  t.match(duplicate.json().fields, [{ field: 'ipAddress' }])
  const bad = await r.call('POST', '/api/v1/radius/nas', {
    name: 'Bad',
    ipAddress: 'not-an-ip',
    secret: 'another-secret',
  })
  t.equal(bad.statusCode, 400)

  const patched = await r.call('PATCH', `/api/v1/radius/nas/${nas.id}`, {
    name: 'Tower 7b',
    type: 'mikrotik',
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.match(patched.json(), { name: 'Tower 7b', type: 'mikrotik' })
  const [kept] = await sql<{ secretEncrypted: string }[]>`
    select secret_encrypted as "secretEncrypted" from radius_nas where id = ${nas.id}`
  t.equal(
    decryptSecret(TEST_INSTANCE_KEY, kept!.secretEncrypted),
    'tower-seven-secret',
    'an update without a secret keeps it',
  )

  const list = await r.call('GET', '/api/v1/radius/nas')
  t.same(
    list
      .json()
      .map((n: { name: string }) => n.name)
      .sort(),
    ['Local BRAS', 'Tower 7b'],
  )

  const removed = await r.call('DELETE', `/api/v1/radius/nas/${nas.id}`)
  t.equal(removed.statusCode, 204)
  t.equal((await r.call('GET', `/api/v1/radius/nas/${nas.id}`)).statusCode, 404)

  const audit = await sql<{ action: string }[]>`
    select action from audit_log where entity = 'radius_nas' and entity_id = ${String(nas.id)} order by id`
  t.same(
    audit.map((a) => a.action),
    ['radius.nas.create', 'radius.nas.update', 'radius.nas.delete'],
  )
})

t.test('a new secret applies to the next request; a deleted NAS is ignored', async (t) => {
  t.equal(await answered(NAS_SECRET), Code.AccessAccept)
  const changed = await r.call('PATCH', `/api/v1/radius/nas/${r.nas.id}`, { secret: 'rotated-secret' })
  t.equal(changed.statusCode, 200, changed.body)
  t.equal(await answered(NAS_SECRET), null, 'the old secret no longer verifies: dropped')
  t.equal(await answered('rotated-secret'), Code.AccessAccept)

  const other = await r.call('POST', '/api/v1/radius/nas', {
    name: 'Temp',
    ipAddress: '127.0.0.9',
    secret: 'temp-secret',
  })
  const removed = await r.call('DELETE', `/api/v1/radius/nas/${other.json().id}`)
  t.equal(removed.statusCode, 204)
  t.equal(r.runtime.nas.lookup('127.0.0.9'), undefined, 'gone from memory at once')
  await r.call('PATCH', `/api/v1/radius/nas/${r.nas.id}`, { secret: NAS_SECRET })
})

t.test('a NAS with online sessions cannot be deleted', async (t) => {
  await sql`insert into radius_sessions (nas_id, acct_session_id, user_name, started_at, last_update_at)
    values (${r.nas.id}, 'x-1', 'alice', now(), now())`
  const refused = await r.call('DELETE', `/api/v1/radius/nas/${r.nas.id}`)
  t.equal(refused.statusCode, 409)
  await sql`update radius_sessions set stopped_at = now() where acct_session_id = 'x-1'`
})

t.test('permissions: viewing is not managing', async (t) => {
  const viewer = await createAdmin(r.app.ctx.db, {})
  const key = await createApiKey(r.app.ctx.db, viewer.id, ['radius.nas.view'])
  const headers = { authorization: `Bearer ${key}` }
  t.equal((await r.app.inject({ method: 'GET', url: '/api/v1/radius/nas', headers })).statusCode, 200)
  const post = await r.app.inject({
    method: 'POST',
    url: '/api/v1/radius/nas',
    headers,
    payload: { name: 'X', ipAddress: '10.9.9.9', secret: 'abcdefgh' },
  })
  t.equal(post.statusCode, 403)
})

t.test('panel pages: NAS list with counters, form, sessions and auth log render', async (t) => {
  const admin = await adminSession(r.app)
  const get = (url: string) => r.app.inject({ method: 'GET', url, headers: { cookie: admin.cookie } })
  await r.runtime.flush()
  const list = await get('/admin/radius/nas')
  t.equal(list.statusCode, 200)
  t.match(list.body, /Local BRAS/)
  t.match(list.body, /127\.0\.0\.1/)
  t.match(list.body, /RADIUS is listening/)
  const created = await r.app.inject({
    method: 'POST',
    url: '/admin/radius/nas',
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      _csrf: admin.csrf,
      name: 'From panel',
      ipAddress: '10.8.0.1',
      secret: 'panel-secret',
      type: 'juniper',
      coaPort: '3799',
    }).toString(),
  })
  t.equal(created.statusCode, 302, created.body)
  const [row] = await sql<{ type: string }[]>`select type::text from radius_nas where ip_address = '10.8.0.1'`
  t.equal(row?.type, 'juniper')
  const invalid = await r.app.inject({
    method: 'POST',
    url: '/admin/radius/nas',
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: admin.csrf, name: '', ipAddress: 'nope', secret: '' }).toString(),
  })
  t.equal(invalid.statusCode, 400)
  t.match(invalid.body, /must be an IPv4 or IPv6 address/)
  for (const url of [
    '/admin/radius/nas/new',
    '/admin/radius/sessions',
    '/admin/radius/sessions?history=true',
    '/admin/radius/auth-log',
  ])
    t.equal((await get(url)).statusCode, 200, url)
})
