import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { actorFromRequest } from '../partners/scope.ts'
import { CSV_COLUMNS } from './csv-columns.ts'
import { getCustomFieldDefs, saveCustomFieldDefs, type CustomFieldDef } from './custom-fields.ts'
import { importCustomersCsv } from './import.ts'
import { partnerChoices } from './page-helpers.ts'

const hide = true
const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))

/** Panel: CSV import (upload, dry run, summary) and the custom field definitions. */
export async function customerImportPages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const importForm = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors: Record<string, string> = {}) => {
    const { partners } = await partnerChoices(ctx.db, request)
    const defs = await getCustomFieldDefs(ctx.db)
    return render(reply, 'ui/views/pages/customers/import.eta', {
      title: 'Import customers',
      partners,
      values,
      errors,
      columns: [...CSV_COLUMNS.map(([c]) => c).filter((c) => c !== 'id'), 'portal_password', ...defs.map((d) => `cf_${d.name}`)],
    })
  }

  app.get('/admin/customers/import', { config: { permission: 'customers.import' }, schema: { hide } }, async (request, reply) =>
    importForm(request, reply, { dryRun: true }),
  )

  app.post(
    '/admin/customers/import',
    {
      config: { permission: 'customers.import' },
      schema: { hide },
      // A multipart body is read in the handler, after the CSRF check: without htmx (which sends the
      // X-CSRF-Token header) the form carries its token in the action's query string.
      preValidation: async (request) => {
        const token = (request.query as Record<string, unknown> | undefined)?._csrf
        if (request.body === undefined && typeof token === 'string') request.body = { _csrf: token }
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        return importForm(request, reply.code(400), {}, { file: 'choose a CSV file to upload' })
      }
      const fields: Record<string, string> = {}
      let file: Buffer | null = null
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const buffer = await part.toBuffer()
          if (part.fieldname === 'file' && buffer.length > 0) file = buffer
        } else fields[part.fieldname] = String(part.value)
      }
      const values = { partnerId: fields.partnerId, dryRun: fields.dryRun === 'true' }
      if (!file) return importForm(request, reply.code(400), values, { file: 'choose a CSV file to upload' })
      try {
        const partnerId = /^\d+$/.test(fields.partnerId ?? '') ? Number(fields.partnerId) : undefined
        const result = await importCustomersCsv(ctx.db, ctx, actorFromRequest(request), file, { dryRun: values.dryRun, partnerId })
        return render(reply, 'ui/views/pages/customers/import-result.eta', { title: 'Import result', result })
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return importForm(request, reply.code(400), values, fieldErrors(err))
      }
    },
  )

  const fieldsPage = (reply: FastifyReply, rows: Partial<CustomFieldDef>[], errors: Record<string, string> = {}) =>
    render(reply, 'ui/views/pages/customers/custom-fields.eta', {
      title: 'Additional customer fields',
      rows: [...rows, { name: '', label: '', type: 'text', required: false }],
      errors,
    })

  app.get('/admin/customers/custom-fields', { config: { permission: 'customers.edit' }, schema: { hide } }, async (_request, reply) =>
    fieldsPage(reply, await getCustomFieldDefs(ctx.db)),
  )

  app.post<{ Body: Record<string, string | string[]> }>(
    '/admin/customers/custom-fields',
    { config: { permission: 'customers.edit' }, schema: { hide, body: FormBody } },
    async (request, reply) => {
      const rows: Record<string, unknown>[] = []
      for (const [key, raw] of Object.entries(request.body)) {
        const m = /^fields\.(\d+)\.(name|label|type|options|required)$/.exec(key)
        if (!m) continue
        const value = Array.isArray(raw) ? raw.at(-1) : raw
        const index = Number(m[1])
        rows[index] = { ...rows[index], [m[2]!]: value }
      }
      const kept = rows.filter((r) => r && String(r.name ?? '').trim() !== '')
      try {
        await saveCustomFieldDefs(ctx.db, ctx.clock, actorFromRequest(request), kept)
        flash(reply, 'success', 'Additional fields saved')
        return reply.redirect('/admin/customers/custom-fields', 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        const shown = kept.map((r) => ({ ...r, options: typeof r.options === 'string' ? r.options.split(',').map((o) => o.trim()) : [], required: r.required === 'true' })) as Partial<CustomFieldDef>[]
        return fieldsPage(reply.code(400), shown, fieldErrors(err))
      }
    },
  )
}
