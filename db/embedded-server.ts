import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'

/**
 * Serves one PGlite instance over the PostgreSQL wire protocol to many client connections.
 *
 * PGlite has a single backend, so one connection at a time owns it: from its first message until
 * PGlite answers ReadyForQuery with status Idle. A transaction therefore keeps ownership to its end
 * and no other connection's statements can interleave with an extended-protocol sequence or an open
 * transaction. (pglite-socket's multiplexer hands the backend over between single messages, which
 * breaks Parse/Bind/Execute pipelines from two clients.)
 */
export class EmbeddedPgServer {
  private server: Server | null = null
  private owner: Conn | null = null
  private waiting: Conn[] = []
  private conns = new Set<Conn>()
  port = 0

  constructor(private readonly pg: PGlite) {}

  async start(host = '127.0.0.1', port = 0): Promise<string> {
    await this.pg.waitReady
    this.server = createServer((socket) => this.accept(socket))
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(port, host, () => resolve())
    })
    const addr = this.server.address()
    if (!addr || typeof addr !== 'object') throw new Error('embedded database: no listening address')
    this.port = addr.port
    return `postgres://postgres@${host}:${this.port}/postgres`
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.socket.destroy()
    this.conns.clear()
    const server = this.server
    this.server = null
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true)
    const conn: Conn = { socket, buffer: Buffer.alloc(0), pending: [], closed: false, scanner: new ReadyScanner() }
    this.conns.add(conn)
    socket.on('data', (chunk: Buffer) => {
      conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, chunk]) : chunk
      this.split(conn)
      this.request(conn)
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => void this.closed(conn))
  }

  /** Cut complete frontend messages off the connection's buffer. */
  private split(conn: Conn): void {
    for (;;) {
      const buf = conn.buffer
      if (!conn.started) {
        // Untyped startup-phase messages: SSLRequest / GSSENCRequest / CancelRequest / StartupMessage.
        if (buf.length < 8) return
        const first = buf.readInt32BE(0)
        const code = buf.readInt32BE(4)
        if (code === 80877103 || code === 80877104) {
          conn.buffer = buf.subarray(8)
          conn.socket.write('N')
          continue
        }
        if (code === 80877102) {
          conn.buffer = buf.subarray(16)
          continue
        }
        if (buf.length < first) return
        conn.pending.push(buf.subarray(0, first))
        conn.buffer = buf.subarray(first)
        conn.started = true
        continue
      }
      if (buf.length < 5) return
      const len = 1 + buf.readInt32BE(1)
      if (buf.length < len) return
      conn.pending.push(buf.subarray(0, len))
      conn.buffer = buf.subarray(len)
    }
  }

  private request(conn: Conn): void {
    if (conn.pending.length === 0 || conn.running) return
    if (this.owner && this.owner !== conn) {
      if (!this.waiting.includes(conn)) this.waiting.push(conn)
      return
    }
    this.owner = conn
    void this.run(conn)
  }

  private async run(conn: Conn): Promise<void> {
    conn.running = true
    if (conn.holdTimer) clearTimeout(conn.holdTimer)
    conn.holdTimer = undefined
    const scanner = conn.scanner
    try {
      while (conn.pending.length > 0 && !conn.closed) {
        const msg = conn.pending.shift()!
        // The unnamed statement lives in the one shared backend. postgres.js parses it, syncs to read
        // its parameter types, then binds it in a second round trip: nobody else may parse in between.
        if (msg[0] === 0x50) conn.unnamedParsed = msg[5] === 0
        else if (msg[0] === 0x42 || msg[0] === 0x51) conn.unnamedParsed = false
        await this.pg.runExclusive(() =>
          this.pg.execProtocolRawStream(new Uint8Array(msg), {
            onRawData: (data: Uint8Array) => {
              scanner.feed(data)
              if (!conn.closed && data.length) conn.socket.write(data)
            },
          }),
        )
        const type = msg[0]
        // Parse/Bind/Describe/Execute/Close/Flush open an extended-protocol unit that only Sync ends;
        // a simple Query is a unit of its own. Ownership must not change hands inside a unit.
        if (type !== undefined && UNIT_OPENERS.has(type)) conn.inUnit = true
        else if (type === 0x53 || type === 0x51) conn.inUnit = false
        if (type === 0x58) conn.socket.end() // Terminate
      }
    } catch (err) {
      conn.socket.destroy(err as Error)
    } finally {
      conn.running = false
    }
    // Keep the backend while a transaction is open or a pipeline is not finished yet.
    if (!conn.closed && (scanner.status !== 'I' || conn.inUnit || conn.pending.length > 0)) {
      this.request(conn)
      return
    }
    // Keep it until the client binds the statement it just parsed (a client that never does loses it after 2 s).
    if (!conn.closed && conn.unnamedParsed) {
      conn.holdTimer = setTimeout(() => {
        conn.unnamedParsed = false
        if (this.owner === conn && !conn.running && conn.pending.length === 0) this.release()
      }, 2000)
      conn.holdTimer.unref()
      return
    }
    if (this.owner === conn && !conn.closed) this.release()
  }

  private release(): void {
    this.owner = null
    while (this.waiting.length > 0) {
      const next = this.waiting.shift()!
      if (next.closed || next.pending.length === 0) continue
      this.request(next)
      return
    }
  }

  private async closed(conn: Conn): Promise<void> {
    conn.closed = true
    if (conn.holdTimer) clearTimeout(conn.holdTimer)
    this.conns.delete(conn)
    this.waiting = this.waiting.filter((c) => c !== conn)
    if (this.owner === conn) {
      while (conn.running) await new Promise((r) => setImmediate(r))
      try {
        if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK')
      } catch {
        // the backend is reset by the rollback attempt either way
      }
      this.release()
    }
  }
}

/** Parse, Bind, Describe, Execute, Close, Flush. */
const UNIT_OPENERS = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48])

interface Conn {
  socket: Socket
  buffer: Buffer
  pending: Buffer[]
  closed: boolean
  scanner: ReadyScanner
  started?: boolean
  running?: boolean
  /** Inside an extended-protocol sequence that has not reached its Sync yet. */
  inUnit?: boolean
  /** The last Parse was of the unnamed statement and no Bind has used it yet. */
  unnamedParsed?: boolean
  holdTimer?: NodeJS.Timeout | undefined
}

/** Follows backend message boundaries across output chunks and remembers the last ReadyForQuery status. */
class ReadyScanner {
  status = 'I'
  private header: number[] = []
  private skip = 0
  private inReady = false

  feed(data: Uint8Array): void {
    let i = 0
    while (i < data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - i)
        if (this.inReady) this.status = String.fromCharCode(data[i]!)
        this.inReady = false
        this.skip -= n
        i += n
        continue
      }
      this.header.push(data[i]!)
      i++
      if (this.header.length === 5) {
        const [type, a, b, c, d] = this.header as [number, number, number, number, number]
        this.skip = ((a << 24) | (b << 16) | (c << 8) | d) - 4
        this.inReady = type === 0x5a && this.skip > 0
        this.header = []
      }
    }
  }
}
