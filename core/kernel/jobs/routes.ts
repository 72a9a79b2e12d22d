import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { rootDir } from '../web.ts'
import { NotFoundError } from '../errors.ts'
import { flash, render } from '../views.ts'
import { jobsLiveChannel } from './live-channel.ts'
import { iso, RunJson, runJson } from './run-json.ts'
import { getRun, lastRuns, listRuns } from './runs.ts'
import type { RunStatus } from './types.ts'

const VIEW = 'ui/views/pages/jobs/index.eta'
const RUN_VIEW = 'ui/views/pages/jobs/run.eta'
const view = { permission: 'jobs.view' }
const runPermission = { permission: 'jobs.run' }
const LIVE_JS = resolve(rootDir, 'ui/views/pages/jobs/live.js')

const JobJson = Type.Object({
  name: Type.String(),
  plugin: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  schedule: Type.String(),
  nextRun: Type.Union([Type.String(), Type.Null()]),
  running: Type.Boolean(),
  lastRun: Type.Union([RunJson, Type.Null()]),
})

const STATUSES = ['running', 'succeeded', 'failed', 'skipped'] as const
const RunsQuery = Type.Object({
  job: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  skipped: Type.Optional(Type.Boolean()),
  before: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
})
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) })
const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d+$' }) })

/** Jobs page (schedules, last and next run, run now, history), live progress over WebSocket, and the jobs API. */
export async function jobRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.ctx

  async function jobsWithLastRun() {
    const jobs = app.scheduler.jobs()
    const last = await lastRuns(
      db,
      jobs.map((j) => j.name),
    )
    return jobs.map((j) => {
      const run = last.get(j.name)
      return { ...j, nextRun: iso(j.nextRun), lastRun: run ? runJson(run) : null }
    })
  }

  const filterOf = (q: {
    job?: string | undefined
    status?: RunStatus | undefined
    skipped?: boolean | undefined
    before?: string | undefined
    limit?: number | undefined
  }) => ({
    ...(q.job ? { job: q.job } : {}),
    ...(q.status ? { status: q.status } : {}),
    includeSkipped: q.skipped === true,
    ...(q.before ? { beforeId: BigInt(q.before) } : {}),
    limit: q.limit ?? 50,
  })

  app.get(
    '/admin/jobs',
    { config: view, schema: { hide: true, querystring: RunsQuery } },
    async (request, reply) => {
      const runs = (await listRuns(db, filterOf(request.query))).map(runJson)
      const limit = request.query.limit ?? 50
      return render(reply, VIEW, {
        title: 'Scheduled jobs',
        jobs: await jobsWithLastRun(),
        runs,
        canRun: request.admin?.permissions.has('jobs.run') ?? false,
        filter: request.query,
        statuses: STATUSES,
        nextBefore: runs.length === limit ? runs.at(-1)!.id : null,
        scripts: ['/admin/jobs/live.js'],
      })
    },
  )

  app.get(
    '/admin/jobs/runs/:id',
    { config: view, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const run = await getRun(db, BigInt(request.params.id))
      if (!run) throw new NotFoundError('Job run', request.params.id)
      return render(reply, RUN_VIEW, {
        title: `Run #${run.id} of ${run.job}`,
        run: runJson(run),
        resultJson: JSON.stringify(run.result, null, 2),
      })
    },
  )

  app.post(
    '/admin/jobs/:name/run',
    { config: runPermission, schema: { hide: true, params: NameParams } },
    async (request, reply) => {
      const { name } = request.params
      if (!app.scheduler.has(name)) throw new NotFoundError('Job', name)
      await app.scheduler.trigger(name)
      flash(reply, 'success', `${name} started`)
      return reply.redirect('/admin/jobs', 303)
    },
  )

  // The page's live-update script (served here: static assets belong to the UI, this one to this page).
  const liveJs = readFileSync(LIVE_JS, 'utf8')
  app.get('/admin/jobs/live.js', { config: view, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(liveJs),
  )

  app.get('/admin/ws/jobs', { config: view, websocket: true, schema: { hide: true } }, (socket) =>
    jobsLiveChannel(app, socket, async () =>
      (await jobsWithLastRun()).map((j) => ({ name: j.name, running: j.running })),
    ),
  )

  app.get(
    '/api/v1/jobs',
    {
      config: view,
      schema: {
        tags: ['jobs'],
        summary: 'Scheduled jobs with their last run',
        response: { 200: Type.Array(JobJson) },
      },
    },
    async () => jobsWithLastRun(),
  )

  app.get(
    '/api/v1/jobs/runs',
    {
      config: view,
      schema: {
        tags: ['jobs'],
        summary: 'Job run history, newest first (page with `before`)',
        querystring: RunsQuery,
        response: { 200: Type.Array(RunJson) },
      },
    },
    async (request) => (await listRuns(db, filterOf(request.query))).map(runJson),
  )

  app.get(
    '/api/v1/jobs/runs/:id',
    { config: view, schema: { tags: ['jobs'], params: IdParams, response: { 200: RunJson } } },
    async (request) => {
      const run = await getRun(db, BigInt(request.params.id))
      if (!run) throw new NotFoundError('Job run', request.params.id)
      return runJson(run)
    },
  )

  app.post(
    '/api/v1/jobs/:name/run',
    {
      config: runPermission,
      schema: {
        tags: ['jobs'],
        summary: 'Run a job now on this node',
        params: NameParams,
        response: { 202: Type.Object({ job: Type.String(), started: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      const { name } = request.params
      if (!app.scheduler.has(name)) throw new NotFoundError('Job', name)
      await app.scheduler.trigger(name)
      return reply.code(202).send({ job: name, started: true })
    },
  )
}
