// The body of a job's worker thread: own DB connection, advisory lock, job_runs record, the job itself.
import { parentPort, workerData } from 'node:worker_threads'
import { pathToFileURL } from 'node:url'
import { Temporal } from 'temporal-polyfill'
import type { Config } from '../../../config/index.ts'
import { connect } from '../../../db/client.ts'
import type { Clock } from '../clock.ts'
import { emitEvent } from '../events/outbox.ts'
import { readSetting } from '../../settings/store.ts'
import { jobLockKey } from './lock.ts'
import { finishRun, recordSkipped, reportProgress, runOfSlot, startRun } from './runs.ts'
import type {
  JobContext,
  JobFunction,
  JobLogger,
  JobRunHandle,
  JobTrigger,
  WorkerData,
  WorkerMessage,
} from './types.ts'

const data = workerData as WorkerData
const post = (message: WorkerMessage) => parentPort?.postMessage(message)

const clock: Clock = {
  timeZone: data.timeZone,
  now: () => new Date(Date.now() + data.clockOffsetMs),
  today: () =>
    Temporal.Instant.fromEpochMilliseconds(Date.now() + data.clockOffsetMs)
      .toZonedDateTimeISO(data.timeZone)
      .toPlainDate(),
}

const log: JobLogger = {
  info: (message, extra) => post({ type: 'log', level: 'info', message, ...(extra ? { data: extra } : {}) }),
  warn: (message, extra) => post({ type: 'log', level: 'warn', message, ...(extra ? { data: extra } : {}) }),
  error: (message, extra) =>
    post({ type: 'log', level: 'error', message, ...(extra ? { data: extra } : {}) }),
  debug: (message, extra) =>
    post({ type: 'log', level: 'debug', message, ...(extra ? { data: extra } : {}) }),
}

const abort = new AbortController()
let cancelTimer: NodeJS.Timeout | undefined
let finishCancelled: (() => Promise<void>) | undefined
parentPort?.on('message', (message) => {
  if (message !== 'cancel' || abort.signal.aborted) return
  abort.abort(new Error('server is shutting down'))
  // Give the job a moment to stop at a safe point, then record it as failed and leave.
  cancelTimer = setTimeout(() => void finishCancelled?.(), data.cancelGraceMs)
})

async function main(): Promise<void> {
  const handle = connect(data.databaseUrl, { max: 3 })
  const { db, sql } = handle
  const slot = data.slot ? new Date(data.slot) : null
  const base = { job: data.job, trigger: data.trigger, node: data.node, slot }
  // One connection for the whole run: session-level advisory locks belong to a connection.
  const lockConn = await sql.reserve()
  const key = jobLockKey(data.job)
  try {
    const [lock] = await lockConn<
      { locked: boolean }[]
    >`select pg_try_advisory_lock(${key}::bigint) as locked`
    if (!lock?.locked) {
      const id = await recordSkipped(db, {
        ...base,
        at: clock.now(),
        message: 'Skipped: another node is running this job',
      })
      post({
        type: 'run',
        runId: id.toString(),
        status: 'skipped',
        progress: 0,
        message: 'another node is running this job',
      })
      return
    }
    try {
      await runLocked(handle, base, slot)
    } finally {
      await lockConn`select pg_advisory_unlock(${key}::bigint)`
    }
  } finally {
    lockConn.release()
    await handle.close()
  }
}

interface RunBase {
  job: string
  trigger: JobTrigger
  node: string
  slot: Date | null
}

async function runLocked(
  handle: ReturnType<typeof connect>,
  base: RunBase,
  slot: Date | null,
): Promise<void> {
  const { db } = handle
  const startedAt = clock.now()
  const started = performance.now()
  const id = await startRun(db, { ...base, at: startedAt })
  if (id === null) {
    const owner = slot ? await runOfSlot(db, data.job, slot) : undefined
    const message = `Skipped: this tick already ran on ${owner?.node ?? 'another node'}`
    const skippedId = await recordSkipped(db, { ...base, at: startedAt, message })
    post({ type: 'run', runId: skippedId.toString(), status: 'skipped', progress: 0, message })
    return
  }
  post({ type: 'run', runId: id.toString(), status: 'running', progress: 0, message: null })
  let finished = false
  const finish = async (status: 'succeeded' | 'failed', extra: { error?: string; result?: unknown }) => {
    if (finished) return
    finished = true
    await finishRun(db, id, {
      status,
      at: clock.now(),
      durationMs: Math.round(performance.now() - started),
      ...extra,
    })
    post({
      type: 'run',
      runId: id.toString(),
      status,
      progress: status === 'succeeded' ? 100 : lastProgress,
      message: null,
      error: extra.error ?? null,
    })
  }
  let lastProgress = 0
  finishCancelled = async () => {
    await finish('failed', { error: 'Cancelled: the server shut down before the job finished' })
    await handle.close()
    post({ type: 'cancelled' })
  }

  const ctx: JobContext = {
    db,
    sql: handle.sql,
    databaseUrl: data.databaseUrl,
    config: data.config as unknown as Config,
    clock,
    log,
    emit: emitEvent,
    plugin: data.plugin,
    job: data.job,
    settings: async () => {
      const stored = await readSetting(db, data.settingsKey)
      if (!data.settingsSchema) return (stored as Record<string, unknown>) ?? {}
      // Loaded on demand: TypeBox is slow to import and many jobs never read settings.
      const { resolveValues } = await import('../../settings/values.ts')
      const { value, errors } = resolveValues(data.settingsSchema, stored)
      if (errors.length)
        throw new Error(
          `settings of ${data.plugin} are invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
        )
      return value
    },
  }
  const run: JobRunHandle = {
    id,
    trigger: data.trigger,
    slot,
    signal: abort.signal,
    async progress(percent, message) {
      lastProgress = Math.max(0, Math.min(100, Math.round(percent)))
      await reportProgress(db, id, percent, message ?? null)
      post({
        type: 'run',
        runId: id.toString(),
        status: 'running',
        progress: lastProgress,
        message: message ?? null,
      })
    },
  }
  try {
    const mod = (await import(pathToFileURL(data.file).href)) as { default?: JobFunction }
    if (typeof mod.default !== 'function')
      throw new Error(`${data.file} does not default-export a job function`)
    const result = await mod.default(ctx, run)
    await finish('succeeded', { result })
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err)
    await finish('failed', { error: error.slice(0, 8000) })
  }
}

main()
  .catch((err) => {
    post({
      type: 'log',
      level: 'error',
      message: `job ${data.job} crashed: ${(err as Error)?.stack ?? String(err)}`,
    })
    process.exitCode = 1
  })
  .finally(() => {
    if (cancelTimer) clearTimeout(cancelTimer)
    // Leave even if the job left timers or sockets open.
    process.exit()
  })
