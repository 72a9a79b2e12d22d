/**
 * Rendering pages: the one way routes send HTML.
 *
 *   import { render, flash, fieldErrors } from '../kernel/views.ts'
 *
 *   app.get('/admin/things', { config: { permission: 'things.view' }, schema }, async (request, reply) =>
 *     render(reply, 'ui/views/pages/things/list.eta', { title: 'Things', rows }))
 *
 *   // after a successful POST: flash, then redirect (the message shows once, on the next page)
 *   flash(reply, 'success', 'Thing saved')
 *   return reply.redirect('/admin/things')
 *
 *   // a form with errors: render it again with the values and the errors next to the fields
 *   catch (err) { if (err instanceof ValidationError)
 *     return render(reply.code(400), 'ui/views/pages/things/edit.eta', { values: request.body, errors: fieldErrors(err) }) }
 *
 * Every page gets these locals besides its own data (`it.<name>` in eta):
 *   admin, customer     the signed-in admin (request.admin) / portal customer (request.customer), or null
 *   menu                MenuSection[]: the admin's side menu, filtered by permission, active item marked
 *   portalMenu          the customer portal's navigation (when a customer is signed in)
 *   csrfToken           for forms (`<input type="hidden" name="_csrf" value="<%= it.csrfToken %>">`);
 *                       the layouts also send it as X-CSRF-Token on every htmx request
 *   flash               FlashMessage[] to show (read once from a signed cookie, plus any set on this reply)
 *   path, query         the current path (no query string) and the parsed query
 *   title               page title (pass it in data), instanceName (the ISP's name)
 *   htmx                true when the request comes from htmx (render a fragment without the layout)
 *   h                   helpers: h.qs(query, overrides) builds '?a=1&b=2', h.date(d), h.dateTime(d)
 *
 * A page template picks its layout and uses the shared partials (paths from the repo root):
 *   <% layout('/ui/views/layouts/admin.eta') %>           admin panel (menu, top bar); portal.eta; auth.eta
 *   <%~ include('/ui/views/partials/field.eta', { name: 'email', label: 'E-mail', type: 'email',
 *        value: it.values?.email, errors: it.errors, required: true }) %>
 *        (type: text|email|password|number|date|tel|textarea|select|checkbox; options: [{value,label}] for select;
 *         hint, placeholder, autocomplete, rows, disabled, attrs (raw extra attributes) are optional)
 *   <%~ include('/ui/views/partials/sort-header.eta', { column: 'name', label: 'Name', path: it.path, query: it.query }) %>
 *        (reads query.sort / query.dir; links toggle asc/desc and reset the page)
 *   <%~ include('/ui/views/partials/empty.eta', { colspan: 5, text: 'No customers match', actionHref, actionLabel }) %>
 *   <%~ include('/ui/views/partials/pagination.eta', { page, perPage, total, path: it.path, query: it.query }) %>
 *   <%~ include('/ui/views/partials/confirm.eta', { action: '/admin/x/1/delete', label: 'Delete',
 *        message: 'Delete this thing?', csrfToken: it.csrfToken, danger: true }) %>   (POST form; htmx hx-confirm dialog)
 *   <%~ include('/ui/views/partials/export.eta', { path: it.path, query: it.query }) %>  (link to ?...&format=csv)
 *   <%~ include('/ui/views/partials/tabs.eta', { tabs: [{ label, href, active }] }) %>
 *   <%~ include('/ui/views/partials/status.eta', { status: 'active' }) %>  (badge: new/active/blocked/inactive/...)
 */
import { coreSettings } from '../settings/core-settings.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AdminPrincipal } from './auth-types.ts'
import type { FieldError, ValidationError } from './errors.ts'
import type { MenuItem } from './plugins/define.ts'
import { PORTAL_MENU, type PortalMenuItem } from '../portal/menu.ts'

export type FlashType = 'success' | 'error' | 'info'

export interface FlashMessage {
  type: FlashType
  text: string
}

export interface MenuEntry extends MenuItem {
  active: boolean
}

export interface MenuSection {
  name: string
  items: MenuEntry[]
}

export const FLASH_COOKIE = 'uplink_flash'
const LAST_SECTION = 'Administration'

const pendingFlash = new WeakMap<FastifyReply, FlashMessage[]>()

/**
 * Queues a message for the next page this browser renders (usually after a redirect): kept in a
 * signed cookie until a page shows it, so it is shown exactly once.
 */
export function flash(reply: FastifyReply, type: FlashType, text: string): void {
  const list = [...(pendingFlash.get(reply) ?? readFlashCookie(reply.request)), { type, text }].slice(-5)
  pendingFlash.set(reply, list)
  reply.setCookie(FLASH_COOKIE, JSON.stringify(list), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: reply.server.ctx.config.NODE_ENV === 'production',
  })
}

function readFlashCookie(request: FastifyRequest): FlashMessage[] {
  const raw = request.cookies[FLASH_COOKIE]
  if (!raw) return []
  const unsigned = request.unsignCookie(raw)
  if (!unsigned.valid || !unsigned.value) return []
  try {
    const parsed = JSON.parse(unsigned.value) as unknown
    if (!Array.isArray(parsed)) return []
    return parsed
      .filter((m): m is FlashMessage => typeof m?.text === 'string' && ['success', 'error', 'info'].includes(m?.type))
      .slice(0, 5)
  } catch {
    return []
  }
}

/** The flash messages to show on this page; clears them so they are not shown again. */
export function takeFlash(reply: FastifyReply): FlashMessage[] {
  const messages = pendingFlash.get(reply) ?? readFlashCookie(reply.request)
  pendingFlash.delete(reply)
  if (reply.request.cookies[FLASH_COOKIE] || messages.length) reply.clearCookie(FLASH_COOKIE, { path: '/' })
  return messages
}

/** The href an item at `path` belongs to: the longest matching one; top-level pages only match exactly. */
export function activeHref(items: readonly MenuItem[], path: string): string | undefined {
  let best: string | undefined
  for (const { href } of items) {
    const nested = href.split('/').filter(Boolean).length > 1
    const hit = path === href || (nested && path.startsWith(href.endsWith('/') ? href : `${href}/`))
    if (hit && (!best || href.length > best.length)) best = href
  }
  return best
}

/** The admin's side menu: every core module's and plugin's items the admin may see, grouped, the current one marked. */
export function adminMenu(app: FastifyInstance, admin: AdminPrincipal | null, path: string): MenuSection[] {
  if (!admin) return []
  // Administration is where admins look last: keep it at the bottom whatever sections plugins add.
  const sections = [...app.host.menuFor(admin.permissions)].sort(
    (a, b) => Number(a.section === LAST_SECTION) - Number(b.section === LAST_SECTION),
  )
  const active = activeHref(
    sections.flatMap((s) => s.items),
    path,
  )
  return sections.map((s) => ({ name: s.section, items: s.items.map((item) => ({ ...item, active: item.href === active })) }))
}

/** `{ field: message }` of a ValidationError (or a list of field errors), for the field partial. */
export function fieldErrors(err: ValidationError | FieldError[]): Record<string, string> {
  const list = Array.isArray(err) ? err : err.fields
  const out: Record<string, string> = {}
  for (const f of list) out[f.field] ??= f.message
  return out
}

const NAME_TTL_MS = 30_000
const nameCache = new WeakMap<object, { name: string; at: number }>()

/** The ISP's name for the top bar: the company name setting when there is one, else "Uplink" (cached 30 s). */
export async function instanceName(app: FastifyInstance): Promise<string> {
  const cached = nameCache.get(app.ctx)
  if (cached && Date.now() - cached.at < NAME_TTL_MS) return cached.name
  const name = await readInstanceName(app)
  nameCache.set(app.ctx, { name, at: Date.now() })
  return name
}

async function readInstanceName(app: FastifyInstance): Promise<string> {
  try {
    return (await coreSettings(app.ctx.db)).companyName.trim() || 'Uplink'
  } catch (err) {
    app.log.warn({ err }, 'could not read the company name')
    return 'Uplink'
  }
}

function qs(query: Record<string, unknown> | undefined, overrides: Record<string, unknown> = {}): string {
  const params = new URLSearchParams()
  const merged = { ...(query ?? {}), ...overrides }
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v))
    else params.set(key, String(value))
  }
  const s = params.toString()
  return s ? `?${s}` : ''
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** Helpers available to every template as `it.h`. */
export function helpers(timeZone: string) {
  const dateTimeFormat = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
  return {
    qs,
    /** A calendar date (ISO string) or a timestamp as YYYY-MM-DD in the ISP's time zone. */
    date(value: Date | string | null | undefined): string {
      if (!value) return ''
      if (typeof value === 'string') return value.slice(0, 10)
      return dateTimeFormat.format(value).slice(0, 10)
    },
    /** A timestamp as YYYY-MM-DD HH:MM in the ISP's time zone. */
    dateTime(value: Date | string | null | undefined): string {
      if (!value) return ''
      const d = typeof value === 'string' ? new Date(value) : value
      const parts = Object.fromEntries(dateTimeFormat.formatToParts(d).map((p) => [p.type, p.value]))
      return `${parts.year}-${parts.month}-${parts.day} ${pad(Number(parts.hour))}:${parts.minute}`
    },
  }
}

export type ViewHelpers = ReturnType<typeof helpers>

const portalMenus = new WeakMap<FastifyInstance, readonly PortalMenuItem[]>()

/** The portal's navigation: the core's entries, the plugins' after them, "My details" last. */
function portalMenu(app: FastifyInstance): readonly PortalMenuItem[] {
  let menu = portalMenus.get(app)
  if (!menu) {
    const fromPlugins = (app.host?.plugins ?? []).flatMap((p) => p.portalMenu ?? [])
    const last = PORTAL_MENU.at(-1)!
    menu = [...PORTAL_MENU.slice(0, -1), ...fromPlugins, last]
    portalMenus.set(app, menu)
  }
  return menu
}

/** The locals every page gets (see the top of this file). */
export async function commonLocals(reply: FastifyReply): Promise<Record<string, unknown>> {
  const request = reply.request
  const app = reply.server
  const path = request.url.split('?')[0] ?? '/'
  const admin = request.admin ?? null
  return {
    admin,
    customer: request.customer ?? null,
    menu: adminMenu(app, admin, path),
    portalMenu: request.customer ? portalMenu(app) : [],
    csrfToken: await reply.generateCsrf(),
    flash: takeFlash(reply),
    path,
    query: (request.query as Record<string, unknown> | undefined) ?? {},
    htmx: request.headers['hx-request'] === 'true' && request.headers['hx-boosted'] !== 'true',
    instanceName: await instanceName(app),
    h: helpers(app.ctx.config.TIME_ZONE),
  }
}

/** Renders a page with the common locals merged under its own data, and sends it as HTML. */
export async function render(reply: FastifyReply, template: string, data: Record<string, unknown> = {}): Promise<FastifyReply> {
  const locals = await commonLocals(reply)
  const html = await reply.viewAsync(template, { ...locals, ...data })
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
}
