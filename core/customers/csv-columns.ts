/** CSV column names of the customer export and import, with the field each maps to. */
export const CSV_COLUMNS = [
  ['id', 'id'],
  ['partner_id', 'partnerId'],
  ['login', 'login'],
  ['status', 'status'],
  ['category', 'category'],
  ['name', 'name'],
  ['email', 'email'],
  ['billing_email', 'billingEmail'],
  ['phone', 'phone'],
  ['street', 'street'],
  ['city', 'city'],
  ['zip', 'zip'],
  ['country', 'country'],
  ['language', 'language'],
  ['company_name', 'companyName'],
  ['vat_id', 'vatId'],
  ['billing_day', 'billingDay'],
  ['date_added', 'dateAdded'],
] as const

/** Other spellings admins use in spreadsheets from other systems. */
export const CSV_ALIASES: Record<string, string> = {
  partner: 'partnerId',
  full_name: 'name',
  customer_name: 'name',
  e_mail: 'email',
  mail: 'email',
  telephone: 'phone',
  phone_number: 'phone',
  mobile: 'phone',
  address: 'street',
  street_address: 'street',
  town: 'city',
  postcode: 'zip',
  postal_code: 'zip',
  zip_code: 'zip',
  lang: 'language',
  company: 'companyName',
  vat: 'vatId',
  tax_id: 'vatId',
  billing_day_of_month: 'billingDay',
  portal_password: 'portalPassword',
  password: 'portalPassword',
}

/** Custom fields appear as `cf_<name>` columns. */
export const CUSTOM_PREFIX = 'cf_'

/** Normalises a header cell: lower case, spaces and dashes to underscores. */
export function headerKey(cell: string): string {
  return cell
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, '_')
}
