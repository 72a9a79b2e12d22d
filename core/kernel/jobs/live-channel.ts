import type { FastifyInstance } from 'fastify'
import type { WebSocket } from '@fastify/websocket'
import { runJson } from './run-json.ts'
import { getRun, runsChangedSince } from './runs.ts'
import type { RunUpdate } from './scheduler.ts'

type RunJson = ReturnType<typeof runJson>
const POLL_MS = 1000
const REMEMBERED = 1000

/**
 * One /admin/ws/jobs socket: a `hello` with the jobs, then `{ type: 'run', run }` for every change.
 * This node's runs are pushed from the scheduler's updates in the order they happened (a progress
 * update is merged into the run's last JSON; a final one re-reads the row, written before the update
 * was posted, for its duration and result). Runs of other nodes are polled from job_runs.
 */
export function jobsLiveChannel(
  app: FastifyInstance,
  socket: WebSocket,
  hello: () => Promise<{ name: string; running: boolean }[]>,
): void {
  const { db, sql } = app.ctx
  // Everything is undone on close, which can come before any await below has returned.
  let closed = false
  let timer: NodeJS.Timeout | undefined
  const onUpdate = (update: RunUpdate) => {
    queue = queue.then(() => push(update)).catch((err) => app.log.warn({ err }, 'jobs live: push failed'))
  }
  socket.on('close', () => {
    closed = true
    clearInterval(timer)
    app.scheduler.off('update', onUpdate)
  })
  app.scheduler.on('update', onUpdate)

  const runs = new Map<string, RunJson>()
  const sent = new Map<string, string>()
  const send = (run: RunJson) => {
    runs.set(run.id, run)
    const signature = `${run.status}:${run.progress}:${run.message}`
    if (closed || sent.get(run.id) === signature) return
    sent.set(run.id, signature)
    if (sent.size > REMEMBERED) {
      const oldest = sent.keys().next().value!
      sent.delete(oldest)
      runs.delete(oldest)
    }
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'run', run }))
  }

  async function push(update: RunUpdate) {
    if (closed) return
    const known = update.status === 'running' ? runs.get(update.runId) : undefined
    const row = known ? undefined : await getRun(db, BigInt(update.runId))
    const base = known ?? (row ? runJson(row) : undefined)
    if (!base) return
    send(
      update.status === 'running'
        ? { ...base, status: 'running', progress: update.progress, message: update.message }
        : base,
    )
  }

  let since: Date
  let polling = false
  async function poll() {
    if (polling || closed) return
    polling = true
    try {
      for (const row of await runsChangedSince(db, since)) {
        if (row.updatedAt > since) since = row.updatedAt
        if (row.node !== app.scheduler.node) send(runJson(row))
      }
    } catch (err) {
      app.log.warn({ err }, 'jobs live: poll failed')
    } finally {
      polling = false
    }
  }

  // Run messages wait for the hello, so a client always sees it first.
  let queue: Promise<void> = (async () => {
    const [{ now }] = (await sql`select clock_timestamp() as now`) as unknown as [{ now: Date }]
    since = new Date(now)
    const jobs = await hello()
    if (closed) return
    socket.send(JSON.stringify({ type: 'hello', jobs }))
    timer = setInterval(() => void poll(), POLL_MS)
  })().catch((err) => app.log.warn({ err }, 'jobs live: start failed'))
}
