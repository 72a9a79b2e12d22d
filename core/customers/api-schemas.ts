import { Type } from 'typebox'
import { CUSTOM_FIELD_TYPES } from './custom-fields.ts'
import { SORT_KEYS } from './search.ts'
import { CUSTOMER_CATEGORIES, CUSTOMER_STATUSES, LANGUAGES } from './validation.ts'

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)))
const Nullable = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()])

export const Status = literals(CUSTOMER_STATUSES)
export const Category = literals(CUSTOMER_CATEGORIES)
export const Language = literals(LANGUAGES)

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
export const ContactParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  contactId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
})

const customerProps = {
  partnerId: Type.Integer({ minimum: 1, description: 'Defaults to your first partner, or the main one' }),
  login: Type.String({ maxLength: 64, description: 'Unique; left blank, the new id is used' }),
  status: Status,
  category: Category,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Nullable(254),
  billingEmail: Nullable(254),
  phone: Nullable(32),
  street: Nullable(300),
  city: Nullable(120),
  zip: Nullable(20),
  country: Nullable(80),
  language: Language,
  companyName: Nullable(200),
  vatId: Nullable(40),
  billingDay: Type.Integer({ minimum: 1, maximum: 28 }),
  dateAdded: Type.String({ format: 'date' }),
  customFields: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
  portalPassword: Type.Union([Type.String({ minLength: 8, maxLength: 200 }), Type.Null()], {
    description: 'Sets the portal password; null removes portal access',
  }),
}

const { name, ...optionalProps } = customerProps
export const CustomerCreate = Type.Object({
  name,
  ...Object.fromEntries(Object.entries(optionalProps).map(([k, v]) => [k, Type.Optional(v)])),
})
export const CustomerPatch = Type.Object(
  Object.fromEntries(Object.entries(customerProps).map(([k, v]) => [k, Type.Optional(v)])),
  { minProperties: 1 },
)

export const Customer = Type.Object({
  id: Type.Integer(),
  partnerId: Type.Integer(),
  login: Type.String(),
  status: Status,
  category: Category,
  name: Type.String(),
  email: Nullable(254),
  billingEmail: Nullable(254),
  phone: Nullable(32),
  street: Nullable(300),
  city: Nullable(120),
  zip: Nullable(20),
  country: Nullable(80),
  language: Type.String(),
  companyName: Nullable(200),
  vatId: Nullable(40),
  billingDay: Type.Integer(),
  dateAdded: Type.String({ format: 'date' }),
  customFields: Type.Record(Type.String(), Type.String()),
  hasPortalPassword: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const CustomerListItem = Type.Omit(Customer, ['hasPortalPassword', 'updatedAt'])

export const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Words to find in name, login, e-mail, phone, address; digits also match the id' })),
  status: Type.Optional(Status),
  partnerId: Type.Optional(Type.Integer({ minimum: 1 })),
  category: Type.Optional(Category),
  city: Type.Optional(Type.String({ maxLength: 120 })),
  sort: Type.Optional(literals(SORT_KEYS)),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 25 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  count: Type.Optional(
    Type.Union([Type.Literal('estimate'), Type.Literal('exact'), Type.Literal('none')], {
      description: 'estimate (default): exact for small results, the database estimate for broad ones; exact; none',
    }),
  ),
})
export const ExportQuery = Type.Omit(ListQuery, ['limit', 'offset', 'count'])

export const CustomerPage = Type.Object({
  items: Type.Array(CustomerListItem),
  total: Type.Union([Type.Integer(), Type.Null()]),
  totalExact: Type.Boolean({ description: 'False when total is an estimate' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
})

export const StatusBody = Type.Object({ status: Status })

export const DeleteReply = Type.Object({
  deleted: Type.Boolean({ description: 'false: the customer had history and was set inactive instead' }),
  customer: Type.Optional(Customer),
})

export const ContactBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  role: Type.Optional(Nullable(100)),
  email: Type.Optional(Nullable(254)),
  phone: Type.Optional(Nullable(32)),
})
export const ContactPatch = Type.Partial(ContactBody, { minProperties: 1 })
export const Contact = Type.Object({
  id: Type.Integer(),
  customerId: Type.Integer(),
  name: Type.String(),
  role: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
})

export const CustomFieldDef = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
  label: Type.String({ maxLength: 100 }),
  type: literals(CUSTOM_FIELD_TYPES),
  required: Type.Boolean(),
  options: Type.Optional(Type.Array(Type.String())),
})
export const CustomFieldDefs = Type.Array(CustomFieldDef)

export const ImportQuery = Type.Object({
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Check every row and import nothing' })),
  partnerId: Type.Optional(Type.Integer({ minimum: 1, description: 'Partner of rows without a partner_id column' })),
})
const FieldErr = Type.Object({ field: Type.String(), message: Type.String() })
export const ImportReply = Type.Object({
  dryRun: Type.Boolean(),
  rows: Type.Integer(),
  imported: Type.Integer(),
  createdIds: Type.Array(Type.Integer()),
  errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String(), fields: Type.Array(FieldErr) })),
  ignoredColumns: Type.Array(Type.String()),
})
