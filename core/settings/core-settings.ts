import { Type, type Static } from 'typebox'
import type { DbOrTx } from '../../db/client.ts'
import { CURRENCIES } from '../kernel/money.ts'
import { getSettings } from './service.ts'

/** Settings key of the company settings (the core:settings module's own settings). */
export const CORE_SETTINGS_KEY = 'core:settings'

/** The ISP itself: what invoices, mails and the portal show, and the time zone and currency billing uses. */
export const CoreSettings = Type.Object({
  companyName: Type.String({ title: 'Company name', default: 'My ISP', minLength: 1, maxLength: 200 }),
  street: Type.String({ title: 'Street address', default: '', maxLength: 200 }),
  city: Type.String({ title: 'City', default: '', maxLength: 100 }),
  zip: Type.String({ title: 'Postal code', default: '', maxLength: 20 }),
  country: Type.String({ title: 'Country', default: '', maxLength: 100 }),
  email: Type.String({
    title: 'Billing e-mail',
    default: '',
    maxLength: 200,
    pattern: '^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    'x-format-hint': 'an e-mail address',
    description: 'Sender and reply-to address of invoices and reminders',
  }),
  phone: Type.String({ title: 'Phone', default: '', maxLength: 50 }),
  taxId: Type.String({ title: 'VAT / tax number', default: '', maxLength: 50 }),
  timeZone: Type.String({
    title: 'Time zone',
    default: 'UTC',
    'x-check': 'time-zone',
    description: 'IANA name (Europe/Warsaw). Billing dates follow it; a change takes effect after a restart.',
  }),
  currency: Type.Union(
    Object.keys(CURRENCIES).map((code) => Type.Literal(code)),
    { title: 'Currency', default: 'USD', description: 'Currency of plans, invoices and payments' },
  ),
})

export type CoreSettingsValue = Static<typeof CoreSettings>

/** The company settings with defaults filled in. */
export async function coreSettings(db: DbOrTx): Promise<CoreSettingsValue> {
  return getSettings<CoreSettingsValue>(db, CORE_SETTINGS_KEY, CoreSettings as never)
}
