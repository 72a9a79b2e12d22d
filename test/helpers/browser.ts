// Browser tests: Debian's Chromium driven by playwright-core against the real app on a real port.
//
//   browserTest(t, 'signs in and finds a customer', async (t, { served, newPage }) => {
//     const page = await newPage()
//     await page.goto('/admin/login')
//   })
//
// When /usr/bin/chromium is missing the test is skipped with the reason printed, unless
// UPLINK_REQUIRE_TOOLS=1 (CI), where the missing browser is a failure.
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type Locator, type Page, chromium } from 'playwright-core'
import type { Test } from 'tap'
import { type TestApp, testApp } from './app.ts'

export const CHROMIUM_PATH = '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Screenshots and other artefacts of browser tests (gitignored). */
export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e')

/** Why browser tests cannot run on this machine, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} not found (install Debian's chromium: scripts/install-test-tools.sh)`
}

/** The real app on a fresh database, listening on a free port of 127.0.0.1. */
export interface ServedApp extends TestApp {
  baseUrl: string
}

export async function serveApp(options: Parameters<typeof testApp>[0] = {}): Promise<ServedApp> {
  const test = await testApp(options)
  try {
    const address = await test.app.listen({ port: 0, host: '127.0.0.1' })
    return { ...test, baseUrl: address }
  } catch (err) {
    await test.close()
    throw err
  }
}

export interface BrowserFixture {
  served: ServedApp
  browser: Browser
  /** A page in a fresh browser context (no cookies), its relative URLs resolved against the app. */
  newPage(): Promise<Page>
  /**
   * Script errors, console errors and failed sub-resources (scripts, styles, images, htmx requests)
   * of every page opened so far: a Content-Security-Policy violation that would stop htmx shows here.
   */
  pageErrors: string[]
}

/** The text of an element as the user sees it on screen (layout applied, hidden parts left out). */
export function shown(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator, and the rendered text is the point
  return locator.innerText()
}

/** Saves a full-page screenshot under test-results/e2e and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/**
 * A subtest with Chromium and the served app, both closed when it ends. On failure, a screenshot of
 * each open page is saved to test-results/e2e to see what the browser showed.
 */
export function browserTest(
  t: Test,
  name: string,
  fn: (t: Test, fixture: BrowserFixture) => Promise<void>,
  options: { app?: Parameters<typeof testApp>[0] } = {},
): void {
  const missing = chromiumMissing()
  if (missing && process.env.UPLINK_REQUIRE_TOOLS === '1') {
    t.fail(`${name}: UPLINK_REQUIRE_TOOLS=1 but ${missing}`)
    return
  }
  if (missing) console.log(`# skipping browser test "${name}": ${missing}`)
  t.test(name, { skip: missing ?? false }, async (t) => {
    const served = await serveApp(options.app)
    let browser: Browser
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
    } catch (err) {
      await served.close()
      throw err
    }
    const pages: Page[] = []
    // One teardown, so the browser is gone before the server stops.
    t.teardown(async () => {
      if (!t.passing()) {
        for (const [i, page] of pages.entries()) {
          if (page.isClosed()) continue
          const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()
          const path = await screenshot(page, `failed-${slug}-${i}`).catch(() => null)
          if (path) t.comment(`screenshot of the failing page (${page.url()}): ${path}`)
        }
      }
      await browser.close()
      await served.close()
    })
    const pageErrors: string[] = []
    const fixture: BrowserFixture = {
      served,
      browser,
      pageErrors,
      async newPage() {
        const context = await browser.newContext({ baseURL: served.baseUrl })
        // Waits end when the page shows what is expected; the ceiling only matters on a loaded machine.
        context.setDefaultTimeout(60_000)
        const page = await context.newPage()
        page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`))
        page.on('console', (msg) => {
          // A form answered 400 with its errors is a page working as meant; failed resources are
          // reported below, with their URL.
          if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
            pageErrors.push(`${page.url()}: ${msg.text()}`)
        })
        page.on('response', (response) => {
          const request = response.request()
          if (response.status() >= 400 && request.resourceType() !== 'document')
            pageErrors.push(
              `${page.url()}: ${request.method()} ${response.url()} answered ${response.status()}`,
            )
        })
        page.on('requestfailed', (request) => {
          // Aborted: a navigation or a newer htmx request superseded it.
          if (request.failure()?.errorText === 'net::ERR_ABORTED') return
          pageErrors.push(
            `${page.url()}: ${request.method()} ${request.url()} failed: ${request.failure()?.errorText}`,
          )
        })
        pages.push(page)
        return page
      },
    }
    await fn(t, fixture)
  })
}
