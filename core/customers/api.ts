import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { Type } from 'typebox'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { actorFromRequest } from '../partners/scope.ts'
import * as S from './api-schemas.ts'
import { addContact, deleteContact, listContacts, updateContact } from './contacts.ts'
import { getCustomFieldDefs, saveCustomFieldDefs } from './custom-fields.ts'
import { exportCustomersCsv } from './export.ts'
import { importCustomersCsv } from './import.ts'
import { searchCustomers } from './search.ts'
import { changeCustomerStatus, createCustomer, deleteCustomer, getCustomer, updateCustomer } from './service.ts'

const tags = ['customers']
const CSV_LIMIT = 50 * 1024 * 1024

/** /api/v1/customers: list and search, CRUD, status, contacts, custom field definitions, CSV import and export. */
export async function customerApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_LIMIT }, (_req, body, done) => done(null, body))

  app.get<{ Querystring: Static<typeof S.ListQuery> }>(
    '/api/v1/customers',
    {
      config: { permission: 'customers.view' },
      schema: { tags, summary: 'List and search customers', querystring: S.ListQuery, response: { 200: S.CustomerPage } },
    },
    async (request) => searchCustomers(ctx.db, actorFromRequest(request), request.query),
  )

  app.get<{ Querystring: Static<typeof S.ExportQuery> }>(
    '/api/v1/customers/export',
    {
      config: { permission: 'customers.export' },
      schema: {
        tags,
        summary: 'Export the filtered customer list as CSV',
        querystring: S.ExportQuery,
        produces: ['text/csv'],
        response: { 200: { description: 'CSV with a header row', content: { 'text/csv': { schema: Type.String() } } } },
      },
    },
    async (request, reply) => {
      const stream = await exportCustomersCsv(ctx.db, actorFromRequest(request), request.query)
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="customers.csv"').send(stream)
    },
  )

  app.post<{ Querystring: Static<typeof S.ImportQuery>; Body: string }>(
    '/api/v1/customers/import',
    {
      config: { permission: 'customers.import' },
      schema: {
        tags,
        summary: 'Import customers from CSV (text/csv body; header row names the columns)',
        querystring: S.ImportQuery,
        consumes: ['text/csv'],
        body: Type.String({ minLength: 1 }),
        response: { 200: S.ImportReply },
      },
    },
    async (request) => {
      const { dryRun, partnerId } = request.query
      return importCustomersCsv(ctx.db, ctx, actorFromRequest(request), request.body, { dryRun: dryRun ?? false, partnerId })
    },
  )

  app.get(
    '/api/v1/customers/custom-fields',
    {
      config: { permission: 'customers.view' },
      schema: { tags, summary: 'Custom field definitions', response: { 200: S.CustomFieldDefs } },
    },
    async () => getCustomFieldDefs(ctx.db),
  )

  app.put<{ Body: Static<typeof S.CustomFieldDefs> }>(
    '/api/v1/customers/custom-fields',
    {
      config: { permission: 'customers.edit' },
      schema: { tags, summary: 'Replace the custom field definitions', body: S.CustomFieldDefs, response: { 200: S.CustomFieldDefs } },
    },
    async (request) => saveCustomFieldDefs(ctx.db, ctx.clock, actorFromRequest(request), request.body),
  )

  app.get<{ Params: Static<typeof S.IdParams> }>(
    '/api/v1/customers/:id',
    {
      config: { permission: 'customers.view' },
      schema: { tags, summary: 'One customer', params: S.IdParams, response: { 200: S.Customer } },
    },
    async (request) => getCustomer(ctx.db, actorFromRequest(request), request.params.id),
  )

  app.post<{ Body: Static<typeof S.CustomerCreate> }>(
    '/api/v1/customers',
    {
      config: { permission: 'customers.create' },
      schema: { tags, summary: 'Create a customer', body: S.CustomerCreate, response: { 201: S.Customer } },
    },
    async (request, reply) => reply.code(201).send(await createCustomer(ctx.db, ctx, actorFromRequest(request), request.body)),
  )

  app.patch<{ Params: Static<typeof S.IdParams>; Body: Static<typeof S.CustomerPatch> }>(
    '/api/v1/customers/:id',
    {
      config: { permission: 'customers.edit' },
      schema: { tags, summary: 'Change some fields of a customer', params: S.IdParams, body: S.CustomerPatch, response: { 200: S.Customer } },
    },
    async (request) => updateCustomer(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body),
  )

  app.delete<{ Params: Static<typeof S.IdParams> }>(
    '/api/v1/customers/:id',
    {
      config: { permission: 'customers.delete' },
      schema: {
        tags,
        summary: 'Delete a new customer without documents; any other is set inactive',
        params: S.IdParams,
        response: { 200: S.DeleteReply },
      },
    },
    async (request) => deleteCustomer(ctx.db, ctx, actorFromRequest(request), request.params.id),
  )

  app.post<{ Params: Static<typeof S.IdParams>; Body: Static<typeof S.StatusBody> }>(
    '/api/v1/customers/:id/status',
    {
      config: { permission: 'customers.edit' },
      schema: { tags, summary: 'Change the status', params: S.IdParams, body: S.StatusBody, response: { 200: S.Customer } },
    },
    async (request) => changeCustomerStatus(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body.status),
  )

  app.get<{ Params: Static<typeof S.IdParams> }>(
    '/api/v1/customers/:id/contacts',
    {
      config: { permission: 'customers.view' },
      schema: { tags, summary: 'Contacts of a customer', params: S.IdParams, response: { 200: Type.Array(S.Contact) } },
    },
    async (request) => listContacts(ctx.db, actorFromRequest(request), request.params.id),
  )

  app.post<{ Params: Static<typeof S.IdParams>; Body: Static<typeof S.ContactBody> }>(
    '/api/v1/customers/:id/contacts',
    {
      config: { permission: 'customers.edit' },
      schema: { tags, summary: 'Add a contact', params: S.IdParams, body: S.ContactBody, response: { 201: S.Contact } },
    },
    async (request, reply) =>
      reply.code(201).send(await addContact(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body)),
  )

  app.patch<{ Params: Static<typeof S.ContactParams>; Body: Static<typeof S.ContactPatch> }>(
    '/api/v1/customers/:id/contacts/:contactId',
    {
      config: { permission: 'customers.edit' },
      schema: { tags, summary: 'Change a contact', params: S.ContactParams, body: S.ContactPatch, response: { 200: S.Contact } },
    },
    async (request) =>
      updateContact(ctx.db, ctx, actorFromRequest(request), request.params.id, request.params.contactId, request.body),
  )

  app.delete<{ Params: Static<typeof S.ContactParams> }>(
    '/api/v1/customers/:id/contacts/:contactId',
    {
      config: { permission: 'customers.edit' },
      schema: { tags, summary: 'Remove a contact', params: S.ContactParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await deleteContact(ctx.db, ctx, actorFromRequest(request), request.params.id, request.params.contactId)
      return reply.code(204).send()
    },
  )
}
