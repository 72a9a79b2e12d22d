/**
 * Live updates for the panel over one WebSocket per browser tab (GET /admin/ws).
 *
 * A module defines a topic once: who may see it, how to load its value, how often to look again.
 *
 *   app.live.define({ name: 'dashboard.counters', permission: 'dashboard.view', intervalMs: 3000,
 *                     scope: (admin) => partnerKey(admin), load: (admin) => countersFor(db, admin) })
 *
 * The browser sends `{"subscribe": "<topic>"}` (or `{"unsubscribe": ...}`); the server answers with
 * `{"topic", "data"}` at once and again whenever the value changes. Values are loaded only while
 * someone subscribes: one poll per topic and scope, shared by every subscriber with that scope.
 * `app.live.refresh(topic)` re-loads at once (call it after a change to push it without waiting).
 */
import type { FastifyInstance } from 'fastify'
import type { AdminPrincipal } from './auth-types.ts'

export interface LiveTopic<T = unknown> {
  name: string
  /** Permission a subscriber needs. */
  permission: string
  /** How often to re-load while someone listens. */
  intervalMs: number
  /** Subscribers with the same scope key see the same value (e.g. the partners an admin is limited to). */
  scope?: (admin: AdminPrincipal) => string
  load: (admin: AdminPrincipal) => Promise<T>
}

/** The part of a WebSocket the hub uses (the `ws` client's socket satisfies it). */
export interface LiveSocket {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  on(event: 'message', listener: (data: unknown) => void): unknown
  on(event: 'close', listener: () => void): unknown
}

interface Subscriber {
  socket: LiveSocket
  admin: AdminPrincipal
}

/** One (topic, scope) pair being polled. */
interface Feed {
  topic: LiveTopic
  key: string
  subscribers: Set<Subscriber>
  timer: NodeJS.Timeout | null
  last: string | null
  loading: Promise<void> | null
}

const OPEN = 1
const MAX_TOPICS_PER_SOCKET = 20

export class LiveHub {
  private readonly topics = new Map<string, LiveTopic>()
  private readonly feeds = new Map<string, Feed>()
  private readonly sockets = new Set<LiveSocket>()
  private closed = false
  private readonly soon = new Map<string, NodeJS.Timeout>()

  constructor(private readonly log: FastifyInstance['log']) {}

  define<T>(topic: LiveTopic<T>): void {
    if (this.topics.has(topic.name)) throw new Error(`live topic ${topic.name} is already defined`)
    this.topics.set(topic.name, topic as LiveTopic)
  }

  has(name: string): boolean {
    return this.topics.has(name)
  }

  /** Number of sockets subscribed to a topic (any scope). */
  subscriberCount(name: string): number {
    let n = 0
    for (const feed of this.feeds.values()) if (feed.topic.name === name) n += feed.subscribers.size
    return n
  }

  /** Takes over a freshly opened socket of a signed-in admin. */
  attach(socket: LiveSocket, admin: AdminPrincipal): void {
    if (this.closed) {
      socket.close(1001, 'shutting down')
      return
    }
    this.sockets.add(socket)
    const mine = new Map<string, Subscriber>()
    socket.on('message', (raw) => {
      const message = parse(raw)
      if (!message) return send(socket, { error: 'bad_message' })
      if (typeof message.subscribe === 'string') {
        if (mine.has(message.subscribe)) return
        if (mine.size >= MAX_TOPICS_PER_SOCKET) return send(socket, { topic: message.subscribe, error: 'too_many_topics' })
        const result = this.subscribe(socket, admin, message.subscribe)
        if (typeof result === 'string') return send(socket, { topic: message.subscribe, error: result })
        mine.set(message.subscribe, result)
      } else if (typeof message.unsubscribe === 'string') {
        const sub = mine.get(message.unsubscribe)
        if (sub) this.unsubscribe(sub, message.unsubscribe)
        mine.delete(message.unsubscribe)
      } else send(socket, { error: 'bad_message' })
    })
    socket.on('close', () => {
      this.sockets.delete(socket)
      for (const [name, sub] of mine) this.unsubscribe(sub, name)
      mine.clear()
    })
  }

  /** Loads the topic again for every scope someone listens to, and pushes values that changed. */
  async refresh(name?: string): Promise<void> {
    const feeds = [...this.feeds.values()].filter((f) => name === undefined || f.topic.name === name)
    await Promise.all(
      feeds.map(async (f) => {
        // A load already under way may have read the old state: wait for it, then load again.
        await f.loading
        await this.poll(f)
      }),
    )
  }

  /**
   * Refreshes a topic shortly, once for a burst of calls (for frequent triggers such as job progress).
   * Does nothing while nobody listens.
   */
  refreshSoon(name: string, delayMs = 500): void {
    if (this.closed || this.soon.has(name) || this.subscriberCount(name) === 0) return
    const timer = setTimeout(() => {
      this.soon.delete(name)
      void this.refresh(name)
    }, delayMs)
    timer.unref()
    this.soon.set(name, timer)
  }

  async close(): Promise<void> {
    this.closed = true
    for (const timer of this.soon.values()) clearTimeout(timer)
    this.soon.clear()
    for (const feed of this.feeds.values()) if (feed.timer) clearInterval(feed.timer)
    await Promise.all([...this.feeds.values()].map((f) => f.loading))
    this.feeds.clear()
    for (const socket of this.sockets) socket.close(1001, 'shutting down')
    this.sockets.clear()
  }

  private subscribe(socket: LiveSocket, admin: AdminPrincipal, name: string): Subscriber | string {
    const topic = this.topics.get(name)
    if (!topic) return 'unknown_topic'
    if (!admin.permissions.has(topic.permission)) return 'forbidden'
    const key = `${name}\u0000${topic.scope?.(admin) ?? ''}`
    let feed = this.feeds.get(key)
    const subscriber: Subscriber = { socket, admin }
    if (!feed) {
      feed = { topic, key, subscribers: new Set(), timer: null, last: null, loading: null }
      this.feeds.set(key, feed)
      const started = feed
      feed.timer = setInterval(() => void this.poll(started), topic.intervalMs)
      feed.timer.unref()
      feed.subscribers.add(subscriber)
      void this.poll(feed)
    } else {
      feed.subscribers.add(subscriber)
      // A late joiner gets the current value at once; otherwise the first poll sends it.
      if (feed.last !== null) sendRaw(socket, feed.last)
    }
    return subscriber
  }

  private unsubscribe(subscriber: Subscriber, name: string): void {
    for (const feed of this.feeds.values()) {
      if (feed.topic.name !== name || !feed.subscribers.delete(subscriber)) continue
      if (feed.subscribers.size === 0) {
        if (feed.timer) clearInterval(feed.timer)
        this.feeds.delete(feed.key)
      }
    }
  }

  private poll(feed: Feed): Promise<void> {
    // One load at a time per feed: a slow database never piles up queries.
    if (feed.loading) return feed.loading
    const first = feed.subscribers.values().next().value
    if (!first || this.closed) return Promise.resolve()
    feed.loading = (async () => {
      try {
        const data = await feed.topic.load(first.admin)
        const message = JSON.stringify({ topic: feed.topic.name, data })
        if (message === feed.last) return
        feed.last = message
        for (const sub of feed.subscribers) sendRaw(sub.socket, message)
      } catch (err) {
        this.log.warn({ err, topic: feed.topic.name }, 'live topic failed to load')
      } finally {
        feed.loading = null
      }
    })()
    return feed.loading
  }
}

function parse(raw: unknown): Record<string, unknown> | null {
  try {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw)
    if (text.length > 4096) return null
    const value = JSON.parse(text) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function sendRaw(socket: LiveSocket, message: string): void {
  if (socket.readyState === OPEN) socket.send(message)
}

function send(socket: LiveSocket, message: Record<string, unknown>): void {
  sendRaw(socket, JSON.stringify(message))
}

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveHub
  }
}

/** Decorates the app with its hub (app.live) and closes it with the app. Called from kernel/web.ts. */
export function registerLive(app: FastifyInstance): void {
  const hub = new LiveHub(app.log)
  app.decorate('live', hub)
  app.addHook('onClose', async () => {
    await hub.close()
  })
}
