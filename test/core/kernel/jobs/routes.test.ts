import { once } from 'node:events'
import { createRequire } from 'node:module'
import t from 'tap'
import type { RunOutcome } from '../../../../core/kernel/jobs/scheduler.ts'
import example from '../../../fixtures/plugins/example/index.ts'
import { testApp } from '../../../helpers/app.ts'
import { adminSession, createApiKey } from '../../../helpers/auth.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

const html = { accept: 'text/html' }
// The `ws` package ships no types.
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  options: { headers: Record<string, string> },
) => NodeJS.EventEmitter & { terminate(): void }

// One app for the file: booting is the slow part.
const ctx = await testApp({ plugins: [example] })
const { app } = ctx

t.test('jobs page: schedules, run now, history, live progress', async (t) => {
  const admin = await adminSession(app)
  const headers = { ...html, cookie: admin.cookie }

  const page = await app.inject({ method: 'GET', url: '/admin/jobs', headers })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<strong>example:tick<\/strong>/)
  t.match(page.body, /every minute/)
  t.match(page.body, /cron 17 4 \* \* \*/, 'core jobs are listed too')
  t.match(page.body, /action="\/admin\/jobs\/example%3Atick\/run"/, 'run now for admins with jobs.run')
  t.match(page.body, /src="\/admin\/jobs\/live.js"/)

  const viewer = await adminSession(app, { permissions: ['jobs.view'] })
  const viewerPage = await app.inject({
    method: 'GET',
    url: '/admin/jobs',
    headers: { ...html, cookie: viewer.cookie },
  })
  t.notMatch(viewerPage.body, /Run now/, 'no run button without jobs.run')
  const refused = await app.inject({
    method: 'POST',
    url: '/admin/jobs/example%3Atick/run',
    headers: { ...html, cookie: viewer.cookie },
    payload: { _csrf: viewer.csrf },
  })
  t.equal(refused.statusCode, 403)

  // Live channel: subscribe, then run the job from the panel and watch it go by.
  const ws = await app.injectWS('/admin/ws/jobs', { headers: { cookie: admin.cookie } })
  t.teardown(() => ws.terminate())
  const messages: { type: string; run?: { job: string; status: string; progress: number } }[] = []
  const hello = new Promise<void>((resolve) =>
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(String(data))
      messages.push(message)
      if (message.type === 'hello') resolve()
    }),
  )
  await hello
  t.equal(messages[0]?.type, 'hello', 'the hello comes first')

  const finished = once(app.scheduler, 'finished') as Promise<[RunOutcome]>
  const run = await app.inject({
    method: 'POST',
    url: '/admin/jobs/example%3Atick/run',
    headers,
    payload: { _csrf: admin.csrf },
  })
  t.equal(run.statusCode, 303)
  t.equal(run.headers.location, '/admin/jobs')
  const [outcome] = await finished
  t.equal(outcome.status, 'succeeded')
  for (let i = 0; i < 200 && !messages.some((m) => m.run?.status === 'succeeded'); i++)
    await new Promise((r) => setTimeout(r, 25))
  const runs = messages.filter((m) => m.type === 'run').map((m) => `${m.run!.status}:${m.run!.progress}`)
  t.ok(runs.includes('running:50'), 'progress was pushed')
  t.equal(runs.at(-1), 'succeeded:100', 'the end state was pushed')

  const after = await app.inject({ method: 'GET', url: '/admin/jobs', headers })
  t.match(after.body, new RegExp(`data-run="${outcome.runId}" class="run-succeeded"`))
  const detail = await app.inject({ method: 'GET', url: `/admin/jobs/runs/${outcome.runId}`, headers })
  t.equal(detail.statusCode, 200)
  t.match(detail.body, /&quot;greeting&quot;: &quot;Hello&quot;/, 'the result is shown')

  // A page that leaves at once, over a real socket, takes its listener with it (and no poll timer
  // keeps the process up).
  const listeners = app.scheduler.listenerCount('update')
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const brief = new WebSocket(`${base.replace(/^http/, 'ws')}/admin/ws/jobs`, {
    headers: { cookie: admin.cookie },
  })
  await once(brief, 'open')
  brief.terminate()
  for (let i = 0; i < 200 && app.scheduler.listenerCount('update') > listeners; i++)
    await new Promise((r) => setTimeout(r, 10))
  t.equal(app.scheduler.listenerCount('update'), listeners, 'the listener is gone after close')

  const js = await app.inject({ method: 'GET', url: '/admin/jobs/live.js', headers })
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /javascript/)
})

t.test('jobs API', async (t) => {
  const admin = await adminSession(app)
  const viewKey = await createApiKey(app.ctx.db, admin.id, ['jobs.view'])
  const runKey = await createApiKey(app.ctx.db, admin.id, ['jobs.view', 'jobs.run'])

  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/v1/jobs/example:broken/run',
        headers: { authorization: `Bearer ${viewKey}` },
      })
    ).statusCode,
    403,
  )
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/v1/jobs/nope:x/run',
        headers: { authorization: `Bearer ${runKey}` },
      })
    ).statusCode,
    404,
  )
  const finished = once(app.scheduler, 'finished') as Promise<[RunOutcome]>
  const started = await app.inject({
    method: 'POST',
    url: '/api/v1/jobs/example:broken/run',
    headers: { authorization: `Bearer ${runKey}` },
  })
  t.equal(started.statusCode, 202)
  t.same(started.json(), { job: 'example:broken', started: true })
  const [outcome] = await finished

  const jobs = await app.inject({
    method: 'GET',
    url: '/api/v1/jobs',
    headers: { authorization: `Bearer ${viewKey}` },
  })
  const broken = jobs.json().find((j: { name: string }) => j.name === 'example:broken')
  t.equal(broken.schedule, 'cron 0 3 * * *')
  t.equal(broken.lastRun.status, 'failed')
  t.match(broken.lastRun.error, /the example job always fails/)

  const runs = await app.inject({
    method: 'GET',
    url: '/api/v1/jobs/runs?job=example:broken&status=failed',
    headers: { authorization: `Bearer ${viewKey}` },
  })
  t.same(
    runs.json().map((r: { id: string }) => r.id),
    [outcome.runId!.toString()],
  )
  const one = await app.inject({
    method: 'GET',
    url: `/api/v1/jobs/runs/${outcome.runId}`,
    headers: { authorization: `Bearer ${viewKey}` },
  })
  t.equal(one.json().progress, 30)
  t.equal(one.json().trigger, 'manual')
})

// Last, not in a root teardown: the app's listeners keep the process alive, so the root test would never end.
t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
