import t from 'tap'
import { Type } from 'typebox'
import { definePlugin } from '../../../core/kernel/plugins/define.ts'
import { testApp } from '../../helpers/app.ts'

/** A plugin with one documented API route, one undocumented panel page. */
const fixture = definePlugin({
  name: 'docs-fixture',
  permissions: ['fixture.view'],
  routes: async (app) => {
    app.get(
      '/api/v1/fixture-things/:id',
      {
        config: { permission: 'fixture.view' },
        schema: {
          tags: ['fixture'],
          summary: 'One thing',
          params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
          response: { 200: Type.Object({ id: Type.Integer(), name: Type.String() }) },
        },
      },
      async (request) => ({ id: (request.params as { id: number }).id, name: 'x' }),
    )
    app.get('/admin/fixture-page', { config: { permission: 'fixture.view' }, schema: { hide: true } }, async () => 'page')
  },
})

type Operation = { responses?: Record<string, unknown>; parameters?: { in: string; name: string }[]; tags?: string[]; security?: unknown[] }
type Doc = {
  openapi: string
  info: { title: string; version: string }
  paths: Record<string, Record<string, Operation>>
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> }
  security?: unknown[]
}

/** Every `$ref` in the document points at something that exists in it. */
function danglingRefs(doc: unknown): string[] {
  const bad: string[] = []
  const resolve = (ref: string) =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc)
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && resolve(v) === undefined) bad.push(v)
        else walk(v)
      }
    }
  }
  walk(doc)
  return bad
}

t.test('the OpenAPI document is valid OpenAPI 3 and lists the tagged API routes', async (t) => {
  const ctx = await testApp({ plugins: [fixture] })
  t.teardown(ctx.close)
  const res = await ctx.app.inject({ method: 'GET', url: '/api/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json() as Doc
  t.match(doc.openapi, /^3\.\d+\.\d+$/, 'an OpenAPI 3 version')
  t.equal(doc.info.title, 'Uplink API')
  t.type(doc.info.version, 'string')
  t.ok(doc.components?.securitySchemes?.apiKey, 'API keys are the security scheme')
  t.same(doc.security, [{ apiKey: [] }])
  t.same(danglingRefs(doc), [], 'every $ref resolves')

  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'])
  for (const [path, item] of Object.entries(doc.paths)) {
    t.ok(path.startsWith('/'), `${path} is absolute`)
    t.notMatch(path, /\/:/, `${path} uses {param} syntax`)
    for (const [method, op] of Object.entries(item)) {
      if (!methods.has(method)) continue
      t.ok(op.responses && Object.keys(op.responses).length > 0, `${method.toUpperCase()} ${path} documents its responses`)
      for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
        const param = name.slice(1, -1)
        t.ok(op.parameters?.some((p) => p.in === 'path' && p.name === param), `${method.toUpperCase()} ${path} declares {${param}}`)
      }
    }
  }

  const thing = doc.paths['/api/v1/fixture-things/{id}']?.get
  t.ok(thing, 'a tagged plugin API route is listed')
  t.same(thing?.tags, ['fixture'])
  t.ok(doc.paths['/health']?.get, 'the health check is listed')
  t.same(doc.paths['/health']?.get?.security, [], 'and needs no key')
  t.notOk(Object.keys(doc.paths).some((p) => p.startsWith('/admin') || p.startsWith('/portal')), 'panel and portal pages are not in the API document')

  if (ctx.app.hasRoute({ method: 'GET', url: '/api/v1/me' })) {
    t.ok(doc.paths['/api/v1/me']?.get, '/api/v1/me is listed')
  } else t.fail('/api/v1/me should exist (core/admins API)')

  const ui = await ctx.app.inject({ method: 'GET', url: '/api/docs/', headers: { accept: 'text/html' } })
  t.equal(ui.statusCode, 200, 'the Swagger UI page answers without login')
  t.match(ui.body, 'swagger-ui')
})
