/** Child processes of bench:radius (load generator, Uplink's server, panel load), run through tsx, spoken to over IPC. */
import { type ChildProcess, fork } from 'node:child_process'

export interface Child {
  process: ChildProcess
  /** Resolves with the next message of this type; rejects if the child exits or reports an error first. */
  next<T = Record<string, unknown>>(type: string): Promise<T>
  send(message: unknown): void
  stop(): Promise<void>
}

export function startChild(file: URL, options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): Child {
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const queue: { type: string; message: unknown }[] = []
  const waiters: { type: string; resolve: (m: never) => void; reject: (e: Error) => void }[] = []
  const deliver = () => {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!
      const at = queue.findIndex((q) => q.type === w.type || q.type === 'error')
      if (at < 0) continue
      const [hit] = queue.splice(at, 1)
      waiters.splice(i--, 1)
      if (hit!.type === 'error' && w.type !== 'error') w.reject(new Error(String((hit!.message as { message?: string }).message)))
      else w.resolve(hit!.message as never)
    }
  }
  child.on('message', (message: { type: string }) => {
    queue.push({ type: message.type, message })
    deliver()
  })
  child.on('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${file.pathname} exited (${code ?? signal}) before sending '${w.type}'`))
  })
  return {
    process: child,
    next<T>(type: string) {
      if (child.exitCode !== null) return Promise.reject(new Error(`${file.pathname} has exited (${child.exitCode})`))
      return new Promise<T>((resolve, reject) => {
        waiters.push({ type, resolve: resolve as (m: never) => void, reject })
        deliver()
      })
    },
    send(message) {
      child.send(message as never)
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
