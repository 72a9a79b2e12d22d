import t from 'tap'
import { Type } from 'typebox'
import { formFields, formToValue } from '../../../core/settings/form.ts'
import {
  applyDefaults,
  asJsonSchema,
  fieldErrors,
  fieldsWithoutDefault,
} from '../../../core/settings/values.ts'

const Schema = asJsonSchema(
  Type.Object({
    host: Type.String({ default: 'localhost', minLength: 1, title: 'Host' }),
    port: Type.Integer({ default: 25, minimum: 1, maximum: 65535 }),
    tls: Type.Boolean({ default: false }),
    mode: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
    password: Type.String({ default: '', writeOnly: true }),
    servers: Type.Array(Type.String(), { default: [] }),
    limits: Type.Object({ daily: Type.Integer({ default: 10, minimum: 0 }) }),
  }),
)

t.test(
  'defaults fill missing values, nested objects included; a structured clone behaves the same',
  async (t) => {
    const filled = applyDefaults(Schema, { port: 587 })
    t.same(filled, {
      port: 587,
      host: 'localhost',
      tls: false,
      mode: 'a',
      password: '',
      servers: [],
      limits: { daily: 10 },
    })
    t.same(
      applyDefaults(structuredClone(Schema), { port: 587 }),
      filled,
      'works on the plain JSON a worker thread gets',
    )
    t.same(fieldsWithoutDefault(Schema), [])
    t.same(fieldsWithoutDefault(asJsonSchema(Type.Object({ key: Type.String() }))), ['key'])
  },
)

t.test('errors name each field with a readable message', async (t) => {
  const value = applyDefaults(Schema, { host: '', port: 70000, mode: 'z', limits: { daily: -1 } })
  t.same(fieldErrors(Schema, value), [
    { field: 'host', message: 'is required' },
    { field: 'port', message: 'must be at most 65535' },
    { field: 'mode', message: 'must be one of a, b' },
    { field: 'limits.daily', message: 'must be at least 0' },
  ])
  t.same(fieldErrors(Schema, applyDefaults(Schema, { port: 'x' })), [
    { field: 'port', message: 'must be a whole number' },
  ])
})

t.test('form fields are derived from the schema and posted forms turn back into typed values', async (t) => {
  const fields = formFields(Schema, applyDefaults(Schema, { password: 'secret' }))
  t.same(
    fields.map((f) => [f.name, f.type]),
    [
      ['host', 'text'],
      ['port', 'number'],
      ['tls', 'checkbox'],
      ['mode', 'select'],
      ['password', 'password'],
      ['servers', 'textarea'],
      ['limits.daily', 'number'],
    ],
  )
  t.equal(fields.find((f) => f.name === 'limits.daily')!.group, 'Limits')
  const value = formToValue(
    Schema,
    {
      host: ' mail.example ',
      port: '587',
      tls: ['false', 'true'],
      mode: 'b',
      password: '',
      servers: 'a\n\nb \r\n',
      'limits.daily': '5',
    },
    { password: 'secret' },
  )
  t.same(value, {
    host: 'mail.example',
    port: 587,
    tls: true,
    mode: 'b',
    password: 'secret',
    servers: ['a', 'b'],
    limits: { daily: 5 },
  })
  t.same(
    formToValue(Schema, { port: '5x', tls: 'false' }, {}),
    { port: '5x', tls: false, limits: {} },
    'non-numbers stay text so validation names them',
  )
})
