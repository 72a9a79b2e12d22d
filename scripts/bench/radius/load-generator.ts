/**
 * The RADIUS load generator, run as its own process (child_process.fork) so that it never shares an
 * event loop with the server it measures. Closed loop (throughput): `window` requests are kept in
 * flight over a few UDP sockets (256 identifiers each); every reply, checked against its Request
 * Authenticator, sends the next request. Open loop (latency at a given load, `rate`): requests leave at
 * `rate` per second whatever the replies do, up to `window` in flight. No retransmissions: a request
 * unanswered after `timeoutMs` is counted as lost.
 *
 * Messages from the parent: {type: 'users', logins, passwords} once, then {type: 'auth', ...AuthJob} or
 * {type: 'acct', ...AcctJob}; each job is answered with {type: 'result', result}. {type: 'exit'} ends it.
 */
import { createSocket, type Socket } from 'node:dgram'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import {
  ACCESS_ACCEPT,
  ACCESS_REJECT,
  ACCOUNTING_RESPONSE,
  ACCT_INTERIM,
  ACCT_START,
  ACCT_STOP,
  accessRequest,
  accountingRequest,
  type BuiltRequest,
  validReply,
} from './packets.ts'

export interface Target {
  host: string
  port: number
  secret: string
  nasIp: string
}

export interface AuthJob {
  target: Target
  /** Requests in flight (closed loop), or the most in flight at once (open loop). */
  window: number
  /** Open loop: Access-Requests per second, sent on schedule; unset: closed loop. */
  rate?: number
  warmupS: number
  durationS: number
  /** Share of requests sent with a wrong password. */
  wrongRatio: number
  timeoutMs: number
  seed: number
}

export type AcctPhase = 'start' | 'interim' | 'stop'

export interface AcctJob {
  target: Target
  window: number
  timeoutMs: number
  phase: AcctPhase
  /** Sessions 0..sessions-1 use subscribers 0..sessions-1; `runTag` keeps session ids unique across runs. */
  sessions: number
  runTag: string
  /** Seconds since the epoch of the Start; interim and stop come later by their session time. */
  startedAt: number
}

export interface LoadResult {
  /** Replies that arrived in the measured part (auth) or in the whole job (acct). */
  answered: number
  seconds: number
  rps: number
  p50_ms: number
  p99_ms: number
  max_ms: number
  accepts: number
  rejects: number
  /** Replies whose Response Authenticator did not check out (late replies to requests counted as lost), or of an unexpected code. */
  invalid: number
  lost: number
  /** Open loop: requests per second actually sent in the measured part (below `rate` if the window filled). */
  sentRps?: number
  receiveBufferBytes: number
  /** The generator's own longest event-loop delay: a stall here delays the replies' timestamps too. */
  generatorStallMs: number
}

export type GeneratorMessage =
  | { type: 'users'; logins: string[]; passwords: string[] }
  | ({ type: 'auth' } & AuthJob)
  | ({ type: 'acct' } & AcctJob)
  | { type: 'exit' }

interface Slot {
  request: BuiltRequest
  sentAt: number
  /** Only replies to requests counted here enter the figures. */
  measured: boolean
}

const RECEIVE_BUFFER = 4 * 1024 * 1024

/** xorshift32: cheap, seeded, good enough to pick users. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 0x1_0000_0000
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Collects latencies in milliseconds into a growing typed array. */
class Latencies {
  private data = new Float64Array(1 << 16)
  count = 0
  add(ms: number): void {
    if (this.count === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.count++] = ms
  }
  sorted(): Float64Array {
    return this.data.slice(0, this.count).sort()
  }
}

interface LoopOptions {
  target: Target
  window: number
  rate?: number
  timeoutMs: number
  /** The next request to send with this identifier, or null when there is nothing left to send. */
  next(id: number): BuiltRequest | null
  /** Whether a request sent now is part of the measurement. */
  measuring(): boolean
  expected: readonly number[]
}

interface LoopState {
  answered: number
  accepts: number
  rejects: number
  invalid: number
  lost: number
  latencies: Latencies
  firstSend: number
  lastReply: number
  receiveBufferBytes: number
  measuredSent: number
  stallMs: number
}

/** Keeps `window` requests in flight until next() returns null and every request is answered or lost. */
function runLoop(options: LoopOptions): Promise<LoopState> {
  const secret = Buffer.from(options.target.secret, 'utf8')
  const socketCount = Math.max(1, Math.ceil(options.window / 200))
  const state: LoopState = {
    answered: 0,
    accepts: 0,
    rejects: 0,
    invalid: 0,
    lost: 0,
    latencies: new Latencies(),
    firstSend: 0,
    lastReply: 0,
    receiveBufferBytes: 0,
    measuredSent: 0,
    stallMs: 0,
  }
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  return new Promise((resolve, reject) => {
    const sockets: Socket[] = []
    const slots: (Slot | undefined)[][] = []
    const freeIds: number[][] = []
    let inFlight = 0
    let exhausted = false
    let bound = 0
    let timer: NodeJS.Timeout | undefined
    let pacer: NodeJS.Timeout | undefined

    const finish = () => {
      if (timer) clearInterval(timer)
      if (pacer) clearInterval(pacer)
      for (const s of sockets) s.close()
      delay.disable()
      state.stallMs = delay.max / 1e6
      resolve(state)
    }

    const send = (s: number): boolean => {
      if (exhausted) return false
      // Oldest free identifier first, so a late reply rarely meets a new request with its identifier.
      const id = freeIds[s]!.shift()
      if (id === undefined) return false
      // Asked before next(), so a request that next() still allows is never left out of the figures.
      const measured = options.measuring()
      const request = options.next(id)
      if (!request) {
        freeIds[s]!.unshift(id)
        exhausted = true
        return false
      }
      const now = performance.now()
      if (state.firstSend === 0) state.firstSend = now
      slots[s]![id] = { request, sentAt: now, measured }
      if (measured) state.measuredSent++
      inFlight++
      sockets[s]!.send(request.packet, options.target.port, options.target.host)
      return true
    }

    const settle = (s: number) => {
      inFlight--
      if (options.rate === undefined) send(s)
      if (exhausted && inFlight === 0) finish()
    }

    /** Open loop: every millisecond or so, send what the schedule says is due (round-robin over the sockets). */
    const pace = (rate: number) => {
      const t0 = performance.now()
      let sent = 0
      let next = 0
      pacer = setInterval(() => {
        const due = Math.floor(((performance.now() - t0) / 1000) * rate)
        while (sent < due && !exhausted) {
          if (inFlight >= options.window) {
            // Full: skip what is due rather than burst it later (sentRps shows the shortfall).
            sent = due
            break
          }
          let s = next
          while (!send(s)) {
            s = (s + 1) % socketCount
            if (s === next || exhausted) break
          }
          next = (s + 1) % socketCount
          sent++
        }
        if (exhausted) {
          clearInterval(pacer)
          if (inFlight === 0) finish()
        }
      }, 1)
    }

    for (let s = 0; s < socketCount; s++) {
      const socket = createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER, sendBufferSize: RECEIVE_BUFFER })
      sockets.push(socket)
      slots.push(new Array(256))
      freeIds.push(Array.from({ length: 256 }, (_, i) => i))
      socket.on('error', reject)
      socket.on('message', (msg) => {
        if (msg.length < 20) return
        const id = msg[1]!
        const slot = slots[s]![id]
        if (!slot) return
        if (!options.expected.includes(msg[0]!) || !validReply(msg, slot.request.authenticator, secret)) {
          // Most likely a late reply to an earlier request given up on with the same identifier: keep waiting.
          state.invalid++
          return
        }
        const now = performance.now()
        slots[s]![id] = undefined
        freeIds[s]!.push(id)
        if (slot.measured) {
          state.answered++
          state.lastReply = now
          state.latencies.add(now - slot.sentAt)
          if (msg[0] === ACCESS_ACCEPT) state.accepts++
          else if (msg[0] === ACCESS_REJECT) state.rejects++
        }
        settle(s)
      })
      socket.bind(0, '127.0.0.1', () => {
        state.receiveBufferBytes = socket.getRecvBufferSize()
        if (++bound < socketCount) return
        if (options.rate !== undefined) pace(options.rate)
        else {
          // Fill the window round-robin over the sockets.
          for (let i = 0; i < options.window; i++) if (!send(i % socketCount)) break
          if (inFlight === 0) return finish()
        }
        timer = setInterval(() => {
          const now = performance.now()
          for (let t = 0; t < socketCount; t++) {
            for (let id = 0; id < 256; id++) {
              const slot = slots[t]![id]
              if (!slot || now - slot.sentAt < options.timeoutMs) continue
              slots[t]![id] = undefined
              freeIds[t]!.push(id)
              if (slot.measured) state.lost++
              settle(t)
            }
          }
        }, 50)
      })
    }
  })
}

function summary(state: LoopState, seconds: number, open = false): LoadResult {
  const sorted = state.latencies.sorted()
  const round = (n: number) => Math.round(n * 100) / 100
  return {
    answered: state.answered,
    seconds: round(seconds),
    rps: Math.round(state.answered / seconds),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted.length ? sorted[sorted.length - 1]! : 0),
    accepts: state.accepts,
    rejects: state.rejects,
    invalid: state.invalid,
    lost: state.lost,
    ...(open ? { sentRps: Math.round(state.measuredSent / seconds) } : {}),
    receiveBufferBytes: state.receiveBufferBytes,
    generatorStallMs: round(state.stallMs),
  }
}

/** Access-Requests for random subscribers for warmupS + durationS; figures from the last durationS only. */
export async function runAuth(job: AuthJob, logins: string[], passwords: string[]): Promise<LoadResult> {
  const r = random(job.seed)
  const secret = Buffer.from(job.target.secret, 'utf8')
  const started = performance.now()
  const measureFrom = started + job.warmupS * 1000
  const measureTo = measureFrom + job.durationS * 1000
  let port = 0
  const state = await runLoop({
    target: job.target,
    window: job.window,
    rate: job.rate,
    timeoutMs: job.timeoutMs,
    expected: [ACCESS_ACCEPT, ACCESS_REJECT],
    measuring: () => {
      const now = performance.now()
      return now >= measureFrom && now < measureTo
    },
    next: (id) => {
      if (performance.now() >= measureTo) return null
      const u = Math.floor(r() * logins.length)
      const wrong = r() < job.wrongRatio
      return accessRequest({
        id,
        userName: logins[u]!,
        password: wrong ? `${passwords[u]}#` : passwords[u]!,
        secret,
        nasIp: job.target.nasIp,
        nasPort: port++ & 0xffff,
      })
    },
  })
  // Requests sent just before the end are answered after it: count what was sent within the window.
  return summary(state, job.durationS, job.rate !== undefined)
}

/** Address of session k, spread over 10.64.0.0/10. */
export const framedIp = (k: number) => `10.${64 + ((k >> 16) & 63)}.${(k >> 8) & 255}.${k & 255}`

/** One Accounting-Request of `phase` per session, in order; the figures cover the whole job. */
export async function runAcct(job: AcctJob, logins: string[]): Promise<LoadResult> {
  const secret = Buffer.from(job.target.secret, 'utf8')
  const statusType = job.phase === 'start' ? ACCT_START : job.phase === 'interim' ? ACCT_INTERIM : ACCT_STOP
  const sessionTime = job.phase === 'start' ? 0 : job.phase === 'interim' ? 300 : 600
  let k = 0
  const state = await runLoop({
    target: job.target,
    window: job.window,
    timeoutMs: job.timeoutMs,
    expected: [ACCOUNTING_RESPONSE],
    measuring: () => true,
    next: (id) => {
      if (k >= job.sessions) return null
      const session = k++
      // Some sessions pass 4 GiB so gigawords are exercised.
      const scale = BigInt(session % 7 === 0 ? 5_000_000_000 : 40_000_000)
      return accountingRequest({
        id,
        statusType,
        userName: logins[session % logins.length]!,
        sessionId: `${job.runTag}-${session.toString(16)}`,
        secret,
        nasIp: job.target.nasIp,
        nasPort: session & 0xffff,
        framedIp: framedIp(session),
        eventTimestamp: job.startedAt + sessionTime,
        sessionTime,
        inputOctets: (scale * BigInt(sessionTime)) / 600n,
        outputOctets: (scale * 4n * BigInt(sessionTime)) / 600n,
      })
    },
  })
  return summary(state, (state.lastReply - state.firstSend) / 1000 || 1)
}

if (process.send) {
  let logins: string[] = []
  let passwords: string[] = []
  process.on('message', (message: GeneratorMessage) => {
    const reply = (result: LoadResult) => process.send!({ type: 'result', result })
    const fail = (error: unknown) => process.send!({ type: 'error', message: String((error as Error)?.stack ?? error) })
    if (message.type === 'users') {
      logins = message.logins
      passwords = message.passwords
      process.send!({ type: 'ready' })
    } else if (message.type === 'auth') runAuth(message, logins, passwords).then(reply, fail)
    else if (message.type === 'acct') runAcct(message, logins).then(reply, fail)
    else if (message.type === 'exit') process.exit(0)
  })
  process.once('disconnect', () => process.exit(1))
  process.send({ type: 'started' })
}
