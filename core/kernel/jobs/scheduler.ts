import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Worker, WorkerOptions } from 'node:worker_threads'
import Bree from 'bree'
import type { AppContext } from '../context.ts'
import { ConflictError, NotFoundError } from '../errors.ts'
import { nextRunOf, parseSchedule, slotOf, type ParsedSchedule } from './schedule.ts'
import type { JobSpec, JobTrigger, RunStatus, WorkerData, WorkerMessage } from './types.ts'

const workerEntry = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url))

export interface RunUpdate {
  job: string
  runId: string
  status: RunStatus
  progress: number
  message: string | null
  error?: string | null
}

export interface RunOutcome {
  job: string
  /** The job_runs row this worker wrote (a run, or a 'skipped' record); null if the worker crashed first. */
  runId: bigint | null
  status: RunStatus | 'crashed'
  error?: string | null
}

export interface JobInfo {
  name: string
  plugin: string
  description: string | null
  schedule: string
  nextRun: Date | null
  running: boolean
}

export interface SchedulerOptions {
  /** This node's name in job_runs (default host:pid). */
  node?: string
  /** Grace time for a running job after shutdown begins (default 10 s). */
  cancelGraceMs?: number
}

interface Pending {
  trigger: JobTrigger
  resolve: (o: RunOutcome) => void
}

/**
 * Runs plugin and core jobs with Bree, each run in its own worker thread (worker-entry.mjs ->
 * worker-run.ts). The worker takes a PostgreSQL advisory lock and keys scheduled runs by tick, so
 * any number of nodes on one database run each tick once. Emits 'update' (RunUpdate) for live views
 * and 'finished' (RunOutcome) when a worker has exited.
 */
export class Scheduler extends EventEmitter {
  readonly node: string
  private readonly bree: Bree
  private readonly specs = new Map<string, { spec: JobSpec; schedule: ParsedSchedule }>()
  private readonly pending = new Map<string, Pending>()
  private readonly lastTick = new Map<string, Date>()
  private startedAt: Date | null = null
  private ready: Promise<void> | null = null

  constructor(
    private readonly ctx: AppContext,
    jobs: JobSpec[],
    private readonly options: SchedulerOptions = {},
  ) {
    super()
    this.node = options.node ?? `${hostname()}:${process.pid}`
    for (const spec of jobs) this.specs.set(spec.name, { spec, schedule: parseSchedule(spec) })
    const log = ctx.log.child({ component: 'scheduler' })
    this.bree = new Bree({
      root: false,
      doRootCheck: false,
      timezone: ctx.config.TIME_ZONE,
      logger: {
        info: (msg: unknown) => log.debug(String(msg)),
        warn: (msg: unknown) => log.warn(String(msg instanceof Error ? msg.message : msg)),
        error: (msg: unknown) => log.error(String(msg instanceof Error ? msg.message : msg)),
      } as never,
      // A clean worker: worker-entry.mjs registers tsx itself; inherited loaders (a test runner's) only slow it down.
      worker: { execArgv: [] },
      errorHandler: (err, meta) => log.error({ err, job: meta.name }, 'job worker error'),
      jobs: [...this.specs.values()].map(({ spec, schedule }) => ({
        name: spec.name,
        path: workerEntry,
        timeout: spec.timeout ?? false,
        ...schedule.bree,
      })),
    })
    // Each run gets fresh workerData: trigger, tick, the app clock's offset.
    const make = this.bree.createWorker.bind(this.bree)
    this.bree.createWorker = (filename, options) => this.createWorker(filename, options, make)
  }

  private init(): Promise<void> {
    this.ready ??= (this.bree as unknown as { init(): Promise<void> }).init()
    return this.ready
  }

  /** Starts the schedules of every job. */
  async start(): Promise<void> {
    await this.init()
    this.startedAt = new Date()
    await this.bree.start()
  }

  /** Stops the schedules and waits for running jobs (they are told to cancel). */
  async stop(): Promise<void> {
    if (!this.ready) return
    await this.init()
    await this.bree.stop()
    this.startedAt = null
  }

  /** Runs a job now in a worker; resolves when the worker has finished. */
  async run(name: string, trigger: JobTrigger = 'manual'): Promise<RunOutcome> {
    if (!this.specs.has(name)) throw new NotFoundError('Job', name)
    await this.init()
    if (this.isRunning(name)) throw new ConflictError(`Job "${name}" is already running on this node`)
    const outcome = new Promise<RunOutcome>((resolve) => this.pending.set(name, { trigger, resolve }))
    await this.bree.run(name)
    if (!this.bree.workers.has(name)) {
      this.pending.delete(name)
      throw new ConflictError(`Job "${name}" could not be started`)
    }
    return outcome
  }

  /** Starts a job now and returns at once; the run shows in job_runs and 'update' events. */
  async trigger(name: string): Promise<void> {
    const outcome = this.run(name, 'manual')
    outcome.catch(() => {})
    await new Promise((r) => setImmediate(r))
    if (!this.isRunning(name)) await outcome
  }

  isRunning(name: string): boolean {
    return this.bree.workers.has(name)
  }

  has(name: string): boolean {
    return this.specs.has(name)
  }

  jobs(): JobInfo[] {
    const now = new Date()
    return [...this.specs.values()].map(({ spec, schedule }) => ({
      name: spec.name,
      plugin: spec.plugin,
      description: spec.description ?? null,
      schedule: schedule.text,
      nextRun: this.startedAt
        ? nextRunOf(schedule, now, this.lastTick.get(spec.name) ?? this.startedAt)
        : null,
      running: this.isRunning(spec.name),
    }))
  }

  private createWorker(
    filename: string,
    options: WorkerOptions,
    make: (f: string, o: WorkerOptions) => Worker,
  ): Worker {
    const name = (options.workerData as { job: { name: string } }).job.name
    const { spec, schedule } = this.specs.get(name)!
    const pending = this.pending.get(name)
    this.pending.delete(name)
    const trigger = pending?.trigger ?? 'schedule'
    const firedAt = new Date()
    if (trigger === 'schedule') this.lastTick.set(name, firedAt)
    const data: WorkerData = {
      job: name,
      plugin: spec.plugin,
      file: spec.file,
      databaseUrl: this.ctx.databaseUrl,
      config: { ...this.ctx.config },
      clockOffsetMs: this.ctx.clock.now().getTime() - Date.now(),
      timeZone: this.ctx.clock.timeZone,
      trigger,
      slot: trigger === 'schedule' ? slotOf(schedule, firedAt).toISOString() : null,
      node: this.node,
      settingsKey: spec.settingsKey,
      ...(spec.settingsSchema
        ? { settingsSchema: spec.settingsSchema as unknown as Record<string, unknown> }
        : {}),
      cancelGraceMs: this.options.cancelGraceMs ?? 10_000,
    }
    const worker = make(filename, { ...options, workerData: data })
    let last: RunUpdate | null = null
    const log = this.ctx.log.child({ job: name })
    let crash: string | null = null
    worker.on('message', (message: WorkerMessage) => {
      if (typeof message !== 'object' || message === null) return
      if (message.type === 'log') {
        log[message.level](message.data ?? {}, message.message)
        if (message.level === 'error') crash = message.message
      }
      if (message.type === 'run') {
        last = { job: name, ...message }
        this.emit('update', last)
      }
    })
    let settled = false
    const settle = (error?: string) => {
      if (settled) return
      settled = true
      const current = last as RunUpdate | null
      const outcome: RunOutcome = {
        job: name,
        runId: current ? BigInt(current.runId) : null,
        status: current ? current.status : 'crashed',
        ...(error || current?.error || (!current && crash) ? { error: error ?? current?.error ?? crash } : {}),
      }
      pending?.resolve(outcome)
      this.emit('finished', outcome)
    }
    worker.on('error', (err: Error) => settle(err.message))
    worker.on('exit', () => settle())
    return worker
  }
}
