/**
 * Worker threads that render PDFs, one per core by default, so mass generation uses every core and a
 * server's event loop stays free while a PDF is drawn. Each worker parses the fonts once and keeps
 * them for its life: start a pool once and reuse it.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { AppError, ValidationError } from '../../kernel/errors.ts'
import type { PdfDocument } from './document.ts'
import type { RenderFailure, RenderReply, RenderRequest } from './worker-protocol.ts'

export interface PdfRenderPoolOptions {
  /** Number of worker threads; default one per core. */
  workers?: number
}

interface Job {
  id: number
  document: PdfDocument
  resolve: (pdf: Buffer) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  jobs: Map<number, Job>
}

/** Documents a worker holds at once: one drawn, one waiting, so it never waits for the main thread. */
const PER_WORKER = 2

function toError(failure: RenderFailure): Error {
  return failure.kind === 'validation'
    ? new ValidationError(failure.fields, failure.message)
    : new AppError(`PDF rendering failed: ${failure.message}`)
}

export class PdfRenderPool {
  readonly size: number
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 1
  private closed = false

  constructor(options: PdfRenderPoolOptions = {}) {
    this.size = Math.max(1, options.workers ?? availableParallelism())
    for (let i = 0; i < this.size; i++) this.slots.push(this.start())
  }

  private start(): Slot {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url))
    const slot: Slot = { worker, jobs: new Map() }
    worker.on('message', (reply: RenderReply) => {
      const job = slot.jobs.get(reply.id)
      if (!job) return
      slot.jobs.delete(reply.id)
      if (reply.error) job.reject(toError(reply.error))
      else job.resolve(Buffer.from(reply.pdf.buffer, reply.pdf.byteOffset, reply.pdf.byteLength))
      this.dispatch()
    })
    const fail = (err: Error) => {
      for (const job of slot.jobs.values()) job.reject(err)
      slot.jobs.clear()
    }
    worker.on('error', (err: Error) => fail(new AppError(`PDF worker failed: ${err.message}`)))
    worker.on('exit', (code) => {
      fail(new AppError(`PDF worker stopped (exit code ${code})`))
      const index = this.slots.indexOf(slot)
      if (index < 0) return
      if (this.closed) {
        this.slots.splice(index, 1)
        return
      }
      // A worker that died (out of memory, a crash in a library) is replaced; its documents failed.
      this.slots[index] = this.start()
      this.dispatch()
    })
    return slot
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.jobs.size < PER_WORKER && this.queue.length > 0) {
        const job = this.queue.shift()!
        slot.jobs.set(job.id, job)
        slot.worker.postMessage({ id: job.id, document: job.document } satisfies RenderRequest)
      }
    }
  }

  /** Renders one document in a worker; rejects with ValidationError for a malformed document. */
  render(document: PdfDocument): Promise<Buffer> {
    if (this.closed) return Promise.reject(new AppError('The PDF render pool is closed'))
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, document, resolve, reject })
      this.dispatch()
    })
  }

  /** Stops the workers; documents not yet rendered are rejected. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const pending = this.queue.splice(0)
    for (const job of pending) job.reject(new AppError('The PDF render pool was closed'))
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()))
  }
}
