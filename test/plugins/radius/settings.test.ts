import t from 'tap'
import { loadPlugins } from '../../../core/kernel/plugins/load.ts'
import { asJsonSchema, fieldsWithoutDefault, resolveValues } from '../../../core/settings/values.ts'
import { defaultReplyPolicy } from '../../../plugins/radius/server/policy.ts'
import { type RadiusSettings, replyPolicyFromSettings } from '../../../plugins/radius/settings.ts'

t.test(
  'the plugin loads, every setting has a default, and the defaults are the default policy',
  async (t) => {
    const [plugin] = await loadPlugins(['radius'])
    t.equal(plugin!.name, 'radius')
    const schema = asJsonSchema(plugin!.settings!)
    t.same(fieldsWithoutDefault(schema), [])
    const { value, errors } = resolveValues(schema, {})
    t.same(errors, [])
    const settings = value as RadiusSettings
    t.equal(settings.listener.authPort, 1812)
    t.equal(settings.listener.acctPort, 1813)
    t.equal(settings.coa.port, 3799)
    t.equal(settings.security.requireMessageAuthenticator, false, 'off by default: older NASes do not sign')
    t.same(replyPolicyFromSettings(settings), defaultReplyPolicy())
  },
)

t.test('reject pool and MPPE settings map onto the reply policy', async (t) => {
  const [plugin] = await loadPlugins(['radius'])
  const schema = asJsonSchema(plugin!.settings!)
  const { value, errors } = resolveValues(schema, {
    rejectPool: { listBlocked: 'blocked-customers', rejectWrongPassword: true, framedPool: 'reject' },
    mppe: { policy: 'required', types: '128-bit' },
    accounting: { interimInterval: 450 },
  })
  t.same(errors, [])
  const policy = replyPolicyFromSettings(value as RadiusSettings)
  t.equal(policy.rejectPool.addressLists[1], 'blocked-customers')
  t.equal(policy.rejectPool.addressLists[0], 'uplink-not-found')
  t.equal(policy.rejectPool.rejectWrongPassword, true)
  t.equal(policy.rejectPool.framedPool, 'reject')
  t.same(policy.mppe, { policy: 2, types: 4 })
  t.equal(policy.interimInterval, 450)
  const bad = resolveValues(schema, { listener: { authPort: 70000 }, mppe: { types: '56-bit' } })
  t.same(bad.errors.map((e) => e.field).sort(), ['listener.authPort', 'mppe.types'])
})
