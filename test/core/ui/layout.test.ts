import t from 'tap'
import { Type } from 'typebox'
import { ValidationError } from '../../../core/kernel/errors.ts'
import { definePlugin } from '../../../core/kernel/plugins/define.ts'
import { activeHref, fieldErrors, flash, render } from '../../../core/kernel/views.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession, cookieHeader, mergeCookies } from '../../helpers/auth.ts'

const FORM = 'test/core/ui/fixtures/form.eta'

/** A plugin with a menu item, a page using the shared partials, and a route that flashes. */
const fixture = definePlugin({
  name: 'ui-fixture',
  permissions: ['fixture.view'],
  menu: [{ section: 'Networking', label: 'Fixture page', href: '/admin/ui-fixture/form', permission: 'fixture.view' }],
  routes: async (app) => {
    app.get('/admin/ui-fixture/flash', { config: { permission: 'dashboard.view' } }, async (_request, reply) => {
      flash(reply, 'success', 'Customer Ann saved')
      flash(reply, 'error', 'But the router <MT-1> did not answer')
      return reply.redirect('/admin', 303)
    })
    app.get('/admin/ui-fixture/form', { config: { permission: 'fixture.view' } }, async (_request, reply) =>
      render(reply, FORM, { title: 'Form', values: {}, errors: {} }),
    )
    app.post(
      '/admin/ui-fixture/form',
      {
        config: { permission: 'fixture.view' },
        schema: {
          body: Type.Object({
            email: Type.String({ default: '' }),
            plan: Type.String({ default: '' }),
            note: Type.String({ default: '' }),
          }),
        },
      },
      async (request, reply) => {
        const body = request.body as { email: string; plan: string; note: string }
        const errors = []
        if (!/^[^@\s]+@[^@\s]+$/.test(body.email)) errors.push({ field: 'email', message: 'must be an e-mail address' })
        if (errors.length) {
          return render(reply.code(400), FORM, { title: 'Form', values: body, errors: fieldErrors(new ValidationError(errors)) })
        }
        flash(reply, 'success', 'Saved')
        return reply.redirect('/admin/ui-fixture/form', 303)
      },
    )
  },
})

const html = { accept: 'text/html' }

// One app for the file: booting one costs seconds, and these tests only add their own admins.
const ctx = await testApp({ plugins: [fixture] })
t.teardown(ctx.close)

t.test('the menu holds only what the admin may see, grouped, with the current page marked', async (t) => {
  const { app } = ctx

  const narrow = await adminSession(app, { permissions: ['dashboard.view'], name: 'Nora Narrow' })
  const page = await app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: narrow.cookie } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<a href="\/admin" class="active" aria-current="page">Dashboard<\/a>/, 'dashboard is the active item')
  t.notMatch(page.body, 'href="/admin/customers"', 'no Customers item without customers.view')
  t.notMatch(page.body, 'Fixture page', 'no plugin item without its permission')
  t.notMatch(page.body, 'topbar-search', 'no customer search box without customers.view')
  t.notMatch(page.body, 'API docs')
  t.match(page.body, 'Nora Narrow', 'admin name in the top bar')

  const wide = await adminSession(app, { permissions: ['dashboard.view', 'customers.view', 'fixture.view'] })
  const form = await app.inject({ method: 'GET', url: '/admin/ui-fixture/form', headers: { ...html, cookie: wide.cookie } })
  t.equal(form.statusCode, 200)
  t.match(form.body, '<a href="/admin/customers">Customers</a>', 'Customers item for customers.view')
  t.notMatch(form.body, 'href="/admin/customers/new"', 'but not Add customer without customers.create')
  t.match(form.body, /<a href="\/admin\/ui-fixture\/form" class="active" aria-current="page">Fixture page<\/a>/)
  t.match(form.body, '<a href="/admin">Dashboard</a>', 'dashboard not active on another page')
  t.match(form.body, /<form class="topbar-search" action="\/admin\/customers" method="get"/, 'search jumps to customers')
  const sections = [...form.body.matchAll(/<div class="menu-title">([^<]+)<\/div>/g)].map((m) => m[1])
  t.same(sections, ['Networking'], 'a section holding only its namesake item (Dashboard, Customers) shows no title')
  t.ok(form.body.indexOf('>Dashboard</a>') < form.body.indexOf('>Customers</a>'), 'Dashboard first')
  t.ok(form.body.indexOf('>Customers</a>') < form.body.indexOf('>Fixture page</a>'), 'then Customers, then Networking')

  const boss = await adminSession(app, { role: 'super_admin' })
  const all = await app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: boss.cookie } })
  const titles = [...all.body.matchAll(/<div class="menu-title">([^<]+)<\/div>/g)].map((m) => m[1])
  t.equal(titles.at(-1), 'Administration', 'Administration comes last')
  t.match(all.body, '<a href="/api/docs">API docs</a>', 'API docs under Administration')
})

t.test('the layout: CSRF for htmx and logout, no inline script, strict CSP', async (t) => {
  const s = await adminSession(ctx.app, { permissions: ['dashboard.view'] })
  const res = await ctx.app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: s.cookie } })
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1]
  t.ok(token, 'the logout form carries a CSRF token')
  t.match(res.body, `hx-headers='{"X-CSRF-Token": "${token}"}'`, 'htmx sends the same token as X-CSRF-Token')
  t.match(res.body, /<form method="post" action="\/admin\/logout"/)
  t.match(res.body, '<script src="/vendor/htmx/htmx.min.js" defer></script>')
  const scripts = [...res.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!)
  t.ok(scripts.length >= 2 && scripts.every((attrs) => /\ssrc="\/(static|vendor)\//.test(attrs)), 'every script is a file from this server')
  t.notMatch(res.body, /\son(click|submit|load)=/i, 'no inline event handlers')
  t.match(String(res.headers['content-security-policy']), "script-src 'self'")
  t.equal(res.headers['cache-control'], 'no-store', 'panel pages are not cached')

  const htmx = await ctx.app.inject({ method: 'GET', url: '/vendor/htmx/htmx.min.js' })
  t.equal(htmx.statusCode, 200, 'htmx is served')
  for (const file of ['/static/css/app.css', '/static/js/app.js', '/static/js/live.js', '/static/icons/logo.svg']) {
    t.equal((await ctx.app.inject({ method: 'GET', url: file })).statusCode, 200, `${file} is served`)
  }
})

t.test('a flash message is shown once, escaped', async (t) => {
  const s = await adminSession(ctx.app, { permissions: ['dashboard.view'] })
  let jar = mergeCookies({}, undefined)
  for (const part of s.cookie.split('; ')) {
    const i = part.indexOf('=')
    jar[part.slice(0, i)] = part.slice(i + 1)
  }
  const set = await ctx.app.inject({ method: 'GET', url: '/admin/ui-fixture/flash', headers: { ...html, cookie: cookieHeader(jar) } })
  t.equal(set.statusCode, 303)
  jar = mergeCookies(jar, set.headers['set-cookie'])
  t.ok(jar.uplink_flash, 'kept in a cookie across the redirect')

  const first = await ctx.app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: cookieHeader(jar) } })
  t.match(first.body, /<div class="flash flash-success" role="status">Customer Ann saved<\/div>/)
  t.match(first.body, /<div class="flash flash-error" role="alert">But the router &lt;MT-1&gt; did not answer<\/div>/)
  jar = mergeCookies(jar, first.headers['set-cookie'])
  t.notOk(jar.uplink_flash, 'the cookie is cleared once shown')

  const second = await ctx.app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: cookieHeader(jar) } })
  t.notMatch(second.body, 'Customer Ann saved', 'not shown twice')

  const forged = await ctx.app.inject({
    method: 'GET',
    url: '/admin',
    headers: { ...html, cookie: `${s.cookie}; uplink_flash=${encodeURIComponent('[{"type":"error","text":"forged"}]')}` },
  })
  t.notMatch(forged.body, 'forged', 'an unsigned flash cookie is ignored')
})

t.test('the field partial keeps values and shows each error next to its field', async (t) => {
  const s = await adminSession(ctx.app, { permissions: ['fixture.view'] })
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/admin/ui-fixture/form',
    headers: { ...html, cookie: s.cookie },
    payload: { _csrf: s.csrf, email: 'not-an-address', plan: 'b', note: 'call <after> 5pm' },
  })
  t.equal(res.statusCode, 400)
  const field = /<div class="field has-error">[\s\S]*?<\/div>\s*<\/div>/.exec(res.body)?.[0] ?? ''
  t.match(field, '<label for="f-email">E-mail <span class="required" aria-hidden="true">*</span></label>')
  t.match(field, 'value="not-an-address"', 'the typed value is kept')
  t.match(field, 'aria-invalid="true"')
  t.match(field, 'aria-describedby="f-email-error"')
  t.match(field, '<div class="error" id="f-email-error">must be an e-mail address</div>', 'the error sits with its field')
  t.match(res.body, '<option value="b" selected>Plan B</option>', 'the chosen option is kept')
  t.match(res.body, '>call &lt;after&gt; 5pm</textarea>', 'textarea value kept and escaped')
  t.equal((res.body.match(/class="error"/g) ?? []).length, 1, 'only the wrong field shows an error')

  const ok = await ctx.app.inject({
    method: 'POST',
    url: '/admin/ui-fixture/form',
    headers: { ...html, cookie: s.cookie },
    payload: { _csrf: s.csrf, email: 'ann@example.net', plan: 'a', note: '' },
  })
  t.equal(ok.statusCode, 303)

  const noToken = await ctx.app.inject({
    method: 'POST',
    url: '/admin/ui-fixture/form',
    headers: { ...html, cookie: s.cookie },
    payload: { email: 'ann@example.net' },
  })
  t.equal(noToken.statusCode, 403, 'a form without the CSRF token is refused')
})

t.test('list partials: sortable header, pagination, empty state, CSV export, confirm', async (t) => {
  const s = await adminSession(ctx.app, { permissions: ['fixture.view'] })
  const res = await ctx.app.inject({
    method: 'GET',
    url: '/admin/ui-fixture/form?q=ann&sort=name&dir=asc&page=3',
    headers: { ...html, cookie: s.cookie },
  })
  t.equal(res.statusCode, 200)
  t.match(res.body, /<th aria-sort="ascending"><a class="sort sort-asc" href="\/admin\/ui-fixture\/form\?q=ann&amp;sort=name&amp;dir=desc">Name<\/a><\/th>/)
  t.match(res.body, '<span class="pagination-info">21–30 of 95</span>')
  t.match(res.body, '<span class="current" aria-current="page">3</span>')
  t.match(res.body, 'href="/admin/ui-fixture/form?q=ann&amp;sort=name&amp;dir=asc&amp;page=4" rel="next"', 'next page keeps filter and sort')
  t.match(res.body, 'href="/admin/ui-fixture/form?q=ann&amp;sort=name&amp;dir=asc&amp;page=2" rel="prev"')
  t.match(res.body, '<a href="/admin/ui-fixture/form?q=ann&amp;sort=name&amp;dir=asc">1</a>', 'the page 1 link drops the page number')
  t.match(res.body, '<span class="gap">…</span>')
  t.match(res.body, 'Nothing matches your filter.')
  t.match(res.body, 'href="/admin/ui-fixture/form?q=ann&amp;sort=name&amp;dir=asc&amp;format=csv" download', 'export keeps filters, drops the page')
  t.match(res.body, /<form method="post" action="\/admin\/ui-fixture\/delete" class="inline" hx-boost="true" hx-confirm="Delete it\?">/)
  t.match(res.body, '<dialog id="confirm-dialog"', 'the layout holds the confirm dialog')
})

t.test('activeHref picks the longest match and matches top-level pages exactly', async (t) => {
  const items = [
    { section: 'Dashboard', label: 'Dashboard', href: '/admin', permission: 'x' },
    { section: 'Customers', label: 'Customers', href: '/admin/customers', permission: 'x' },
    { section: 'Customers', label: 'Import', href: '/admin/customers/import', permission: 'x' },
  ]
  t.equal(activeHref(items, '/admin'), '/admin')
  t.equal(activeHref(items, '/admin/customers/12/edit'), '/admin/customers')
  t.equal(activeHref(items, '/admin/customers/import'), '/admin/customers/import')
  t.equal(activeHref(items, '/admin/customersfoo'), undefined)
  t.equal(activeHref(items, '/admin/unknown'), undefined, 'the dashboard is not lit on every page')
})
