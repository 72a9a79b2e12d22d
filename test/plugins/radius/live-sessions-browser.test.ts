// Chromium on the online sessions page: a session started over UDP appears without a reload, the
// search filters as you type, the kick button sends a Disconnect-Request, and the NAS's Stop takes
// the row away, all on the same document.
import t from 'tap'
import { createAdmin } from '../../helpers/auth.ts'
import { browserTest } from '../../helpers/browser.ts'
import { Code } from '../../../plugins/radius/protocol/codes.ts'
import type { NamedAttribute } from '../../../plugins/radius/protocol/dictionary.ts'
import { NAS_SECRET, seedRadius, testRadiusPlugin } from './helpers/app.ts'
import { accountingRequest } from './helpers/client.ts'
import { startNasStandIn } from './helpers/nas-stand-in.ts'
import { exchange } from './helpers/udp.ts'

t.setTimeout(600_000)

/** The browser global the page-side callbacks use (this project's TypeScript has no DOM types). */
type Marked = { uplinkTestMarker?: string }

const plugin = testRadiusPlugin()

browserTest(
  t,
  'online sessions: live rows, search as you type, kick',
  async (t, { served, newPage, pageErrors }) => {
    const r = await seedRadius(served, plugin)
    const accounting = async (
      type: string,
      login: string,
      sessionId: string,
      extra: NamedAttribute[] = [],
    ) => {
      const attributes: NamedAttribute[] = [
        { name: 'Acct-Status-Type', value: type },
        { name: 'Acct-Session-Id', value: sessionId },
        { name: 'User-Name', value: login },
        ...extra,
      ]
      const reply = await exchange(r.ports.acctPort, accountingRequest({ secret: NAS_SECRET, attributes }))
      if (!reply) throw new Error(`${type} ${sessionId} not acknowledged`)
    }
    const nas = await startNasStandIn({ secret: NAS_SECRET })
    t.teardown(nas.close)
    await r.call('PATCH', `/api/v1/radius/nas/${r.nas.id}`, { coaPort: nas.port })
    await r.subscriber('lena', 'lena-pass-1')
    await r.subscriber('marc', 'marc-pass-1')
    const admin = await createAdmin(served.app.ctx.db, { role: 'super_admin' })

    const page = await newPage()
    await page.goto('/admin/login?next=/admin/radius/sessions')
    await page.fill('input[name=login]', admin.login)
    await page.fill('input[name=password]', admin.password)
    await Promise.all([page.waitForURL('**/admin/radius/sessions'), page.click('button[type=submit]')])
    await page.waitForSelector('[data-live-status][data-state="open"]')
    t.match(await page.textContent('#sessions-live'), /0 online/)
    await page.evaluate(() => {
      ;(globalThis as unknown as Marked).uplinkTestMarker = 'same document'
    })

    const rows = page.locator('#sessions-live tbody tr[data-session]')
    await accounting('Start', 'lena', 'l-1', [{ name: 'Framed-IP-Address', value: '100.64.2.1' }])
    await rows.filter({ hasText: 'lena' }).waitFor()
    await accounting('Start', 'marc', 'm-1', [{ name: 'Framed-IP-Address', value: '100.64.2.2' }])
    await rows.filter({ hasText: 'marc' }).waitFor()
    t.equal(await rows.count(), 2, 'both sessions appeared without a reload')

    await page.fill('#session-q', 'marc')
    await rows.filter({ hasText: 'lena' }).waitFor({ state: 'detached' })
    t.equal(await rows.count(), 1, 'the search filters as you type')
    t.match(page.url(), /q=marc/, 'the search is in the address')
    await page.fill('#session-q', '')
    await rows.filter({ hasText: 'lena' }).waitFor()

    await rows.filter({ hasText: 'lena' }).getByRole('button', { name: 'Kick' }).click()
    await page.click('#confirm-dialog-ok')
    await page.getByText('The NAS disconnected the session').waitFor()
    t.equal(nas.received[0]?.code, Code.DisconnectRequest, 'the kick sent a Disconnect-Request')
    t.match(nas.received[0]?.attributes, { 'User-Name': 'lena', 'Acct-Session-Id': 'l-1' })

    await accounting('Stop', 'lena', 'l-1', [{ name: 'Acct-Terminate-Cause', value: 'Admin-Reset' }])
    await rows.filter({ hasText: 'lena' }).waitFor({ state: 'detached' })
    t.equal(await rows.count(), 1, 'the stopped session left the table')
    t.equal(
      await page.evaluate(() => (globalThis as unknown as Marked).uplinkTestMarker),
      'same document',
      'no page reload at any point',
    )
    t.same(pageErrors, [], 'no script, CSP or request errors')
  },
  { app: { plugins: [plugin] } },
)
