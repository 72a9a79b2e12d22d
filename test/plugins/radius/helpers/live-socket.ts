// A real WebSocket client (the `ws` package) on the panel's /admin/ws, with a queue of parsed messages.
import { createRequire } from 'node:module'

interface WsClient {
  send(data: string): void
  close(): void
  on(event: 'message', listener: (raw: Buffer) => void): void
  on(event: 'open', listener: () => void): void
  on(event: 'error', listener: (err: Error) => void): void
}
type WsConstructor = new (url: string, options: { headers: Record<string, string> }) => WsClient

// The package ships no types.
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor

export interface LiveMessage<T> {
  topic?: string
  data?: T
  error?: string
}

export async function liveSocket<T>(baseUrl: string, cookie: string) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/admin/ws`, { headers: { cookie } })
  await new Promise<void>((resolve, reject) => {
    ws.on('open', resolve)
    ws.on('error', reject)
  })
  const queue: LiveMessage<T>[] = []
  const waiting: ((m: LiveMessage<T>) => void)[] = []
  ws.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as LiveMessage<T>
    const next = waiting.shift()
    if (next) next(message)
    else queue.push(message)
  })
  const next = () =>
    new Promise<LiveMessage<T>>((resolve) => (queue.length ? resolve(queue.shift()!) : waiting.push(resolve)))
  return {
    subscribe: (topic: string) => ws.send(JSON.stringify({ subscribe: topic })),
    next,
    /** The next message whose data satisfies `ok` (earlier ones are skipped). */
    async until(ok: (data: T) => boolean): Promise<T> {
      for (;;) {
        const m = await next()
        if (m.data !== undefined && ok(m.data)) return m.data
      }
    },
    close: () => ws.close(),
  }
}
