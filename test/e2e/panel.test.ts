// The panel in a real browser: an admin turns on 2FA from the enrolment page, signs in again with
// password and code, creates a customer through the form and finds it with search-as-you-type.
import { generate } from 'otplib'
import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { createCustomer } from '../../core/customers/service.ts'
import { createPartner } from '../../core/partners/service.ts'
import { systemActor } from '../../core/partners/scope.ts'
import { createAdmin } from '../helpers/auth.ts'
import { browserTest, screenshot, shown } from '../helpers/browser.ts'

const LOGIN = 'iryna.admin'
const PASSWORD = 'violet-Harbour-42-lamp'

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** The form control whose visible label is exactly `label` (a required field's label ends in "*"). */
const field = (page: Page, label: string) => page.getByLabel(new RegExp(`^${escapeRegExp(label)}(\\s*\\*)?$`))

// Usually well under 30 s; on a busy machine Chromium and the argon2 hashing of ten recovery codes
// can take minutes, which is no failure of the panel.
t.setTimeout(300_000)

browserTest(
  t,
  'sign in with 2FA, create a customer, find it by search',
  async (t, { served, newPage, pageErrors }) => {
    const { app, clock } = served
    const db = app.ctx.db
    const partner = await createPartner(db, clock, systemActor, { name: 'Main ISP' })
    await createAdmin(db, { login: LOGIN, password: PASSWORD, name: 'Iryna Bondar' })
    // Someone else the search must leave out.
    await createCustomer(db, app.ctx, systemActor, {
      name: 'Bohdan Melnyk',
      email: 'bohdan@example.net',
      city: 'Kyiv',
      partnerId: partner.id,
    })
    // The server checks TOTP codes against its own clock (a ManualClock here), so codes are made for it.
    const totpNow = (secret: string) => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })

    const page = await newPage()

    // The steps build on each other: after one fails, the rest are skipped instead of timing out.
    let failed: string | null = null
    const step = (name: string, fn: (t: Test) => Promise<void>) =>
      t.test(name, { skip: failed ? `"${failed}" failed` : false }, async (t) => {
        try {
          await fn(t)
        } catch (err) {
          failed = name
          throw err
        }
        if (!t.passing()) failed = name
      })

    await step('an anonymous visitor is sent to the sign-in page', async (t) => {
      await page.goto('/admin/customers')
      await page.waitForURL(/\/admin\/login\?next=/)
      t.equal(await shown(page.getByRole('heading', { level: 1 })), 'Sign in')
    })

    await step('signs in with the password alone while 2FA is off', async (t) => {
      await field(page, 'Login').fill(LOGIN)
      await field(page, 'Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL((url) => url.pathname === '/admin/customers')
      t.equal(await shown(page.getByRole('heading', { level: 1 })), 'Customers', 'back where it was going')
      t.match(await shown(page.locator('.topbar-user')), /Iryna Bondar/)
    })

    let secret = ''
    await step('turns on 2FA from the profile: QR code and key shown, code confirmed', async (t) => {
      await page.getByRole('banner').getByRole('link', { name: 'Iryna Bondar' }).click()
      await page.waitForURL((url) => url.pathname === '/admin/profile')
      await page.getByRole('link', { name: 'Set up' }).click()
      await page.waitForURL((url) => url.pathname === '/admin/profile/2fa')
      t.equal(await shown(page.getByRole('heading', { level: 1 })), 'Set up two-factor authentication')

      const qr = page.getByRole('img', { name: 'QR code for your authenticator app' })
      await qr.waitFor()
      const qrSize = await qr.evaluate((img: { complete: boolean; naturalWidth: number }) =>
        img.complete ? img.naturalWidth : 0,
      )
      t.ok(qrSize >= 100, `the QR code image is displayed (${qrSize}px wide)`)

      const key = await shown(page.locator('#totp-key'))
      t.match(key, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, 'the key for manual entry is shown in groups of four')
      secret = key.replace(/\s+/g, '')

      await field(page, 'Code').fill('000000')
      await page.getByRole('button', { name: 'Turn on' }).click()
      await page.getByText('the code is not correct').waitFor()
      t.pass('a wrong code is refused next to the field')

      await field(page, 'Code').fill(await totpNow(secret))
      await page.getByRole('button', { name: 'Turn on' }).click()
      await page.getByText('Two-factor authentication is on.').waitFor()
      t.equal(await page.locator('ul.recovery-codes li').count(), 10, 'ten recovery codes shown once')
      t.match(await shown(page.locator('ul.recovery-codes li').first()), /^[a-z2-9]{5}-[a-z2-9]{5}$/)
      await page.getByRole('link', { name: 'I have saved them' }).click()
      await page.waitForURL((url) => url.pathname === '/admin')
    })

    await step('logs out, then needs password and a fresh code', async (t) => {
      await page.getByRole('button', { name: 'Log out' }).click()
      await page.waitForURL((url) => url.pathname === '/admin/login')
      await page.goto('/admin/customers/new')
      await page.waitForURL(/\/admin\/login\?next=/)
      t.pass('the panel is closed again after logging out')

      await field(page, 'Login').fill(LOGIN)
      await field(page, 'Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL((url) => url.pathname === '/admin/login/2fa')
      t.equal(await shown(page.getByRole('heading', { level: 1 })), 'Two-factor authentication')

      // The code of the step already used for enrolment is a replay.
      await field(page, 'Code').fill(await totpNow(secret))
      await page.getByRole('button', { name: 'Verify' }).click()
      await page.getByText('That code is not valid (a code can only be used once).').waitFor()
      t.pass('a code from the step already used is refused')

      clock.advance(30_000)
      await field(page, 'Code').fill(await totpNow(secret))
      await page.getByRole('button', { name: 'Verify' }).click()
      await page.waitForURL((url) => url.pathname === '/admin/customers/new')
      t.equal(
        await shown(page.getByRole('heading', { level: 1 })),
        'New customer',
        'signed in, on the page asked for',
      )
    })

    let customerUrl = ''
    await step('creates a customer through the form', async (t) => {
      await field(page, 'Full name').fill('Olena Kovalenko')
      await field(page, 'Category').selectOption({ label: 'Person' })
      await field(page, 'E-mail').fill('olena.kovalenko@example.net')
      await field(page, 'Phone').fill('+380 67 123 4567')
      await field(page, 'Street and number').fill('vul. Shevchenka 12')
      await field(page, 'ZIP / postal code').fill('79000')
      await field(page, 'City').fill('Lviv')
      await field(page, 'Country').fill('Ukraine')
      await field(page, 'Language').selectOption({ label: 'Українська' })
      await field(page, 'Billing day').fill('5')
      await page.getByRole('button', { name: 'Create customer' }).click()
      await page.waitForURL(/\/admin\/customers\/\d+$/)
      customerUrl = page.url()

      t.match(await shown(page.getByRole('heading', { level: 1 })), /^Olena Kovalenko/)
      t.match(
        await shown(page.getByRole('status').first()),
        /^Customer Olena Kovalenko created \(login \d+\)/,
      )
      const details = await shown(page.locator('dl.details'))
      t.match(details, /olena\.kovalenko@example\.net/)
      t.match(details, /\+380 67 123 4567/)
      t.match(details, /vul\. Shevchenka 12, 79000 Lviv, Ukraine/)
      t.match(details, /Українська/)
      t.match(details, /Main ISP/)
    })

    await step('finds it by typing part of the name in the customer list', async (t) => {
      await page
        .getByRole('navigation', { name: 'Breadcrumbs' })
        .getByRole('link', { name: 'Customers' })
        .click()
      await page.waitForURL((url) => url.pathname === '/admin/customers')
      const rows = page.locator('#customer-table tbody tr')
      await rows.filter({ hasText: 'Bohdan Melnyk' }).waitFor()
      t.equal(await rows.count(), 2, 'both customers listed before searching')

      // A marker that a full page load would wipe: the table must change in place.
      await page.evaluate(() => {
        ;(globalThis as unknown as { stillHere: boolean }).stillHere = true
      })
      const fragment = page.waitForResponse(
        (r) => r.url().includes('q=kovalen') && r.request().headers()['hx-request'] === 'true',
      )
      await field(page, 'Search').pressSequentially('kovalen')
      t.equal((await fragment).status(), 200, 'htmx asked the server for the table')

      await rows.filter({ hasText: 'Bohdan Melnyk' }).waitFor({ state: 'detached' })
      t.equal(await rows.count(), 1, 'one customer matches')
      const row = await shown(rows.first())
      t.match(row, /Olena Kovalenko/)
      t.match(row, /olena\.kovalenko@example\.net/)
      t.match(row, /vul\. Shevchenka 12, 79000, Lviv/)
      t.equal(
        await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere),
        true,
        'no page reload',
      )
      t.match(
        page.url(),
        /[?&]q=kovalen/,
        'the search is in the address bar, so it can be shared and reloaded',
      )

      await rows.first().getByRole('link', { name: 'Olena Kovalenko' }).click()
      await page.waitForURL(customerUrl)
      t.match(
        await shown(page.getByRole('heading', { level: 1 })),
        /^Olena Kovalenko/,
        'the row opens the customer',
      )
      await page.goBack()
      await rows.filter({ hasText: 'Olena Kovalenko' }).waitFor()
      t.comment(`screenshot: ${await screenshot(page, 'panel-customer-search')}`)
    })

    t.same(pageErrors, [], 'no script or console errors in any page')
  },
)
