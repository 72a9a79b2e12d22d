import type { TObject } from 'typebox'
import type { AppContext } from '../context.ts'

/** What a job module receives as its first argument, inside its worker thread. */
export interface JobContext extends Omit<AppContext, 'log'> {
  /** Owning plugin or core module ('example', 'core:jobs'). */
  plugin: string
  /** Full job name, `<plugin>:<job>`. */
  job: string
  log: JobLogger
  /** The owning plugin's settings, validated and filled with defaults. */
  settings(): Promise<Record<string, unknown>>
}

/** The run in progress: report progress, watch for cancellation at shutdown. */
export interface JobRunHandle {
  id: bigint
  trigger: JobTrigger
  /** The scheduled tick this run belongs to; null for manual runs. */
  slot: Date | null
  /** Records progress (0..100) and an optional message in job_runs; live views show it. */
  progress(percent: number, message?: string): Promise<void>
  /** Aborted when the server shuts down; long jobs should stop at the next safe point. */
  signal: AbortSignal
}

/** A job module default-exports one of these; its return value is stored as the run's result (JSON). */
export type JobFunction = (ctx: JobContext, run: JobRunHandle) => Promise<unknown>

export interface JobLogger {
  info(message: string, data?: Record<string, unknown>): void
  warn(message: string, data?: Record<string, unknown>): void
  error(message: string, data?: Record<string, unknown>): void
  debug(message: string, data?: Record<string, unknown>): void
}

export type JobTrigger = 'schedule' | 'manual'

/** A job as the host hands it to the scheduler. */
export interface JobSpec {
  /** `<plugin>:<job>` */
  name: string
  plugin: string
  /** Absolute path of the job's .ts module. */
  file: string
  every?: string | number
  cron?: string
  timeout?: number | string | false
  description?: string
  settingsKey: string
  settingsSchema?: TObject
}

/** Passed to each worker thread (structured-cloned). */
export interface WorkerData {
  job: string
  plugin: string
  file: string
  databaseUrl: string
  config: Record<string, unknown>
  /** Milliseconds to add to the worker's Date.now() to get the app clock's now (ManualClock in tests and sandboxes). */
  clockOffsetMs: number
  timeZone: string
  trigger: JobTrigger
  /** ISO time of the scheduled tick, or null for manual runs. */
  slot: string | null
  node: string
  settingsKey: string
  settingsSchema?: Record<string, unknown>
  /** Grace time after a cancel before the run is recorded as failed and the worker stops. */
  cancelGraceMs: number
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped'

/** Messages a worker posts to the scheduler. */
export type WorkerMessage =
  | {
      type: 'run'
      runId: string
      status: RunStatus
      progress: number
      message: string | null
      error?: string | null
    }
  | {
      type: 'log'
      level: 'info' | 'warn' | 'error' | 'debug'
      message: string
      data?: Record<string, unknown>
    }
  | { type: 'cancelled' }
