import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { auditContext } from '../audit/service.ts'
import { NotFoundError, ValidationError } from '../kernel/errors.ts'
import type { PluginDefinition } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { formFields, formToValue } from './form.ts'
import { readSetting, saveSettings, settingsKey, validateSettings } from './service.ts'
import { asJsonSchema } from './values.ts'

const PAGE = 'ui/views/pages/settings/index.eta'
const manage = { permission: 'settings.manage' }

interface Section {
  owner: string
  title: string
  key: string
  plugin: PluginDefinition
}

/** Every loaded module and plugin with a settings schema; core first, then plugins by name. */
function sections(app: FastifyInstance): Section[] {
  return app.host.plugins
    .filter((p) => p.settings)
    .map((p) => ({ owner: p.name, title: p.title ?? titleOf(p.name), key: settingsKey(p.name), plugin: p }))
    .sort(
      (a, b) =>
        Number(b.owner.startsWith('core:')) - Number(a.owner.startsWith('core:')) ||
        a.title.localeCompare(b.title),
    )
}

function titleOf(name: string): string {
  const base = name.replace(/^core:/, '')
  return base.charAt(0).toUpperCase() + base.slice(1).replaceAll('-', ' ')
}

const OwnerParams = Type.Object({ owner: Type.String({ minLength: 1, maxLength: 100 }) })
const SettingsValue = Type.Record(Type.String(), Type.Unknown())

/** Settings page (a form per module/plugin, rendered from its schema) and the settings API. */
export async function settingsRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.ctx

  const find = (owner: string): Section => {
    const section = sections(app).find((s) => s.owner === owner)
    if (!section) throw new NotFoundError('Settings section', owner)
    return section
  }

  async function page(
    reply: FastifyReply,
    section: Section | undefined,
    extra: { values?: unknown; errors?: Record<string, string> } = {},
  ) {
    const all = sections(app)
    const current = section ?? all[0]
    let fields: ReturnType<typeof formFields> = []
    if (current) {
      const schema = asJsonSchema(current.plugin.settings!)
      const values = extra.values ?? validateSettings(schema, await readSetting(db, current.key)).value
      fields = formFields(schema, values)
    }
    return render(reply, PAGE, {
      title: 'Settings',
      sections: all.map((s) => ({ owner: s.owner, title: s.title, active: s.owner === current?.owner })),
      current: current ? { owner: current.owner, title: current.title, key: current.key } : null,
      fields,
      errors: extra.errors ?? {},
    })
  }

  app.get('/admin/settings', { config: manage, schema: { hide: true } }, async (_request, reply) =>
    page(reply, undefined),
  )

  app.get(
    '/admin/settings/:owner',
    { config: manage, schema: { hide: true, params: OwnerParams } },
    async (request, reply) => page(reply, find(request.params.owner)),
  )

  app.post(
    '/admin/settings/:owner',
    {
      config: manage,
      schema: {
        hide: true,
        params: OwnerParams,
        body: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
      },
    },
    async (request, reply) => {
      const section = find(request.params.owner)
      const schema = asJsonSchema(section.plugin.settings!)
      const input = formToValue(schema, request.body, await readSetting(db, section.key))
      try {
        await saveSettings(db, section.key, schema, input, auditContext(request))
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return page(reply.code(400), section, { values: input, errors: fieldErrors(err) })
      }
      flash(reply, 'success', `${section.title} settings saved`)
      return reply.redirect(`/admin/settings/${encodeURIComponent(section.owner)}`, 303)
    },
  )

  const apiSchema = { tags: ['settings'], params: OwnerParams }

  app.get(
    '/api/v1/settings',
    {
      config: manage,
      schema: {
        tags: ['settings'],
        summary: 'Settings sections: one per core module or plugin with settings, with its JSON schema',
        response: {
          200: Type.Array(
            Type.Object({ owner: Type.String(), title: Type.String(), schema: Type.Unknown() }),
          ),
        },
      },
    },
    async () => sections(app).map((s) => ({ owner: s.owner, title: s.title, schema: s.plugin.settings })),
  )

  app.get(
    '/api/v1/settings/:owner',
    {
      config: manage,
      schema: {
        ...apiSchema,
        summary: 'Current settings, defaults filled in',
        response: { 200: SettingsValue },
      },
    },
    async (request) => {
      const section = find(request.params.owner)
      return validateSettings(asJsonSchema(section.plugin.settings!), await readSetting(db, section.key))
        .value
    },
  )

  app.put(
    '/api/v1/settings/:owner',
    {
      config: manage,
      schema: {
        ...apiSchema,
        summary: 'Replace the settings (validated; missing fields take defaults)',
        body: SettingsValue,
        response: { 200: SettingsValue },
      },
    },
    async (request) => {
      const section = find(request.params.owner)
      return saveSettings(
        db,
        section.key,
        asJsonSchema(section.plugin.settings!),
        request.body,
        auditContext(request),
      )
    },
  )
}
