import { copyFileSync } from 'node:fs'
import t from 'tap'
import { customerContacts } from '../../../core/customers/schema.ts'
import { COUNTERS_TOPIC } from '../../../core/dashboard/routes.ts'
import { createAdmin } from '../../helpers/auth.ts'
import { browserTest, screenshot } from '../../helpers/browser.ts'
import { insertCustomer, insertPartner } from '../portal/fixtures.ts'

/** The few browser globals the page-side callbacks use (this project's TypeScript has no DOM types). */
interface PageGlobals {
  innerWidth: number
  document: {
    documentElement: { scrollWidth: number }
    querySelector(selector: string): { textContent: string | null; getBoundingClientRect(): { x: number } } | null
  }
}
const DESKTOP = { width: 1366, height: 900 }
const PHONE = { width: 390, height: 844 }

/** Saves a full-page screenshot in test-results/e2e and a copy in /tmp to look at (menus: the viewport only). */
async function shot(page: Parameters<typeof screenshot>[0], name: string, viewportOnly = false) {
  if (viewportOnly) {
    await page.screenshot({ path: `/tmp/uplink-${name}.png` })
    return
  }
  const path = await screenshot(page, name)
  copyFileSync(path, `/tmp/uplink-${name}.png`)
}

browserTest(t, 'the admin panel: dashboard with live counters, desktop and phone', async (t, { served, newPage, pageErrors }) => {
  const db = served.app.ctx.db
  const partner = await insertPartner(db, 'Main')
  const statuses = ['active', 'active', 'active', 'new', 'blocked', 'inactive'] as const
  for (const [i, status] of statuses.entries()) {
    await insertCustomer(db, { partnerId: partner, login: `c${i}`, name: `Customer ${i}`, status, dateAdded: `2025-${String(8 + (i % 5)).padStart(2, '0')}-10` })
  }
  const admin = await createAdmin(db, { role: 'super_admin', name: 'Dana Admin' })

  const page = await newPage()
  await page.setViewportSize(DESKTOP)
  await page.goto('/admin')
  t.match(page.url(), /\/admin\/login/, 'sent to the login page')
  await page.fill('input[name=login]', admin.login)
  await page.fill('input[name=password]', admin.password)
  await Promise.all([page.waitForURL('**/admin'), page.click('button[type=submit]')])
  t.equal(await page.textContent('h1'), 'Dashboard')
  t.equal(await page.textContent('[data-live-key="customers.active"]'), '3')

  // live.js connects and subscribes (the status turns "live" with the first values); a new customer
  // then shows up without reloading.
  await page.waitForSelector('[data-live-status][data-state="open"]')
  t.equal(served.app.live.subscriberCount(COUNTERS_TOPIC), 1, 'the page subscribed')
  await insertCustomer(db, { partnerId: partner, login: 'late', status: 'active' })
  await served.app.live.refresh(COUNTERS_TOPIC)
  await page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).document.querySelector('[data-live-key="customers.active"]')?.textContent === '4',
  )
  t.pass('the pushed counter replaced the number on the page')

  const sidebar = page.locator('.sidebar')
  t.ok(await sidebar.isVisible(), 'the side menu shows on a desktop')
  t.notOk(await page.locator('.hamburger').isVisible(), 'no hamburger on a desktop')
  t.ok(await page.locator('.sidebar a.active', { hasText: 'Dashboard' }).isVisible())
  await shot(page, 'dashboard-desktop')

  await page.setViewportSize(PHONE)
  await page.goto('/admin')
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals
    return w.document.documentElement.scrollWidth - w.innerWidth
  })
  t.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`)
  t.ok(await page.locator('.hamburger').isVisible(), 'the hamburger shows on a phone')
  const hidden = await sidebar.boundingBox()
  t.ok(hidden && hidden.x + hidden.width <= 0, 'the menu is off screen')
  await shot(page, 'dashboard-phone')
  await page.click('.hamburger')
  await page.waitForFunction(
    () => ((globalThis as unknown as PageGlobals).document.querySelector('.sidebar')?.getBoundingClientRect().x ?? -1) >= 0,
  )
  t.ok(await page.locator('.sidebar a', { hasText: 'Customers' }).first().isVisible(), 'the menu opens')
  const open = await sidebar.boundingBox()
  t.ok(open && open.y >= 56 && open.y + open.height <= PHONE.height + 1, 'the open menu sits between the top bar and the bottom of the screen')
  await shot(page, 'dashboard-phone-menu', true)

  // The jobs page's live progress opens its socket through the shared live-socket.js.
  const socket = page.waitForEvent('websocket')
  await page.goto('/admin/jobs')
  t.match((await socket).url(), /\/admin\/ws\/jobs$/, 'the jobs page connects to its live channel')

  t.same(pageErrors, [], 'no script or CSP errors')
})

/** Console errors other than the 400/401 answers the test provokes on purpose (wrong password, bad form). */
const unexpected = (errors: string[]) => errors.filter((e) => !/Failed to load resource: .* status of 40[01]/.test(e))

browserTest(t, 'the customer portal: login, home, profile, confirm dialog, phone', async (t, { served, newPage, pageErrors }) => {
  const db = served.app.ctx.db
  const partner = await insertPartner(db, 'Main')
  const id = await insertCustomer(db, {
    partnerId: partner,
    login: 'ann',
    name: 'Ann Archer',
    email: 'ann@example.net',
    phone: '+48 600 100 200',
    password: 'ann-secret-1',
  })
  await db.insert(customerContacts).values([
    { customerId: id, name: 'Tom Tech', role: 'Technical', email: 'tom@ann.example' },
    { customerId: id, name: 'Alice Accounts', role: 'Accounting', phone: '+48 22 555 01 01' },
  ])

  const page = await newPage()
  await page.setViewportSize(DESKTOP)
  await page.goto('/portal')
  t.match(page.url(), /\/portal\/login$/)
  await shot(page, 'portal-login')
  await page.fill('input[name=login]', 'ann')
  await page.fill('input[name=password]', 'wrong')
  await page.click('button[type=submit]')
  t.match(await page.textContent('.flash-error'), 'Wrong login or password.')
  await page.fill('input[name=password]', 'ann-secret-1')
  await Promise.all([page.waitForURL('**/portal'), page.click('button[type=submit]')])
  t.match(await page.textContent('h1'), 'Hello, Ann Archer')
  t.match(await page.textContent('#main'), 'No invoices yet.')
  await shot(page, 'portal-home')

  await page.click('.portal-nav a:has-text("My details")')
  await page.fill('input[name=email]', 'broken')
  await page.click('button:has-text("Save")')
  t.equal(await page.textContent('#f-email-error'), 'must be an e-mail address')
  await shot(page, 'portal-profile-error')
  await page.fill('input[name=email]', 'ann@new.example')
  await page.click('button:has-text("Save")')
  t.match(await page.textContent('.flash-success'), 'Your contact details were saved.')

  // Removing a contact person asks first, in the styled dialog, then posts through htmx with the CSRF header.
  await page.click('tr:has-text("Tom Tech") button:has-text("Remove")')
  await page.waitForSelector('#confirm-dialog[open]')
  t.match(await page.textContent('#confirm-dialog-text'), 'Remove Tom Tech from your contact persons?')
  await shot(page, 'portal-confirm')
  await page.click('#confirm-dialog button[value=cancel]')
  t.equal(await page.locator('tr:has-text("Tom Tech")').count(), 1, 'cancel keeps it')
  await page.click('tr:has-text("Tom Tech") button:has-text("Remove")')
  await page.click('#confirm-dialog-ok')
  await page.waitForSelector('.flash-success:has-text("Contact person removed.")')
  t.equal(await page.locator('tr:has-text("Tom Tech")').count(), 0, 'confirmed: removed')

  await page.setViewportSize(PHONE)
  await page.goto('/portal')
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals
    return w.document.documentElement.scrollWidth - w.innerWidth
  })
  t.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`)
  t.notOk(await page.locator('.portal-nav').isVisible(), 'the portal menu is folded on a phone')
  await shot(page, 'portal-home-phone')
  await page.click('.portal-hamburger')
  t.ok(await page.locator('.portal-nav a:has-text("My details")').isVisible(), 'and opens with the hamburger')
  await shot(page, 'portal-phone-menu', true)

  t.same(unexpected(pageErrors), [], 'no script or CSP errors')
})
