/**
 * Accounting into PostgreSQL with group commit over a few lanes. A record goes to the lane of its
 * session (NAS + Acct-Session-Id), so one session's events stay in order; records that arrive while a
 * lane's statement is in flight wait and go together in its next one, and the lanes commit
 * independently, so one batch's commit overlaps the next batch's building. Each record() resolves only
 * after its statement committed (synchronous_commit stays on).
 *
 * One batch is one statement (its own transaction, one round trip): the raw events (stored once per
 * NAS, Acct-Session-Id, status and event second), the session rows (counters only grow, a stop is
 * kept) and the day's usage per service (the growth of the session's counters), all from column
 * arrays. Accounting-On/Off add the closing of the NAS's open sessions in a transaction around it.
 */
import type { Sql } from 'postgres'
import type { AccountingRecord, AccountingStore } from '../server/types.ts'

export interface AccountingStoreOptions {
  sql: Sql
  /** IANA zone whose calendar days the usage is rolled up by. */
  timeZone: string
  /** Service and customer of a login, from the subscriber index. */
  serviceOf: (userName: string) => { serviceId: number; customerId: number } | undefined
  /**
   * Whether traffic of this login reported at this time falls in a 'free' fair-usage window of its plan.
   * The growth a record brings is counted against the window its record arrived in (an approximation:
   * an interim that spans a window edge is counted wholly on the side it arrives on).
   */
  freeTraffic?: (userName: string, at: Date) => boolean
  /** Most records in one statement. */
  maxBatch?: number
  /** Statements in flight at once, each on its own connection (the pool needs that many). */
  lanes?: number
  /** Event keys remembered after commit, to drop a retransmission whose Acct-Delay-Time moved the time. */
  rememberKeys?: number
}

interface Waiting {
  record: AccountingRecord
  resolve: () => void
  reject: (error: unknown) => void
}

interface Lane {
  queue: Waiting[]
  flushing: boolean
}

export interface AccountingStoreStats {
  transactions: number
  records: number
  duplicates: number
  largestBatch: number
}

/** Told, after a commit, the services whose usage grew in it (the data-cap queue, store/cap-queue.ts). */
export interface UsageListener {
  /** Called synchronously after the commit: must only take note, never wait. */
  usageGrew(serviceIds: number[]): void
  /** Resolves once what it was told has been acted on. */
  idle(): Promise<void>
}

const second = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString()
const nullable = (s: string | undefined) => (s === undefined || s === '' ? null : s)
const text = (n: number | bigint | null | undefined) => (n === null || n === undefined ? null : String(n))
/** PostgreSQL's deadlock_detected: Accounting-On/Off locks sessions of every lane. */
const DEADLOCK = '40P01'

function laneOf(nasId: string | number, sessionId: string | undefined, lanes: number): number {
  if (lanes === 1) return 0
  const s = `${nasId}|${sessionId ?? ''}`
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return (h >>> 0) % lanes
}

export class PgAccountingStore implements AccountingStore {
  readonly stats: AccountingStoreStats = { transactions: 0, records: 0, duplicates: 0, largestBatch: 0 }
  /** Set by the plugin to act on usage right after it is committed; never awaited. */
  onUsage: UsageListener | undefined
  private readonly lanes: Lane[]
  private readonly inFlight = new Map<string, Promise<void>>()
  /** Two generations, so forgetting the oldest keys is O(1). */
  private committed = new Set<string>()
  private committedBefore = new Set<string>()
  private readonly idle: (() => void)[] = []

  constructor(private readonly options: AccountingStoreOptions) {
    const lanes = Math.max(1, options.lanes ?? 2)
    this.lanes = Array.from({ length: lanes }, () => ({ queue: [], flushing: false }))
  }

  record(record: AccountingRecord): Promise<void> {
    if (this.committed.has(record.eventKey) || this.committedBefore.has(record.eventKey)) {
      this.stats.duplicates++
      return Promise.resolve()
    }
    const same = this.inFlight.get(record.eventKey)
    if (same) {
      this.stats.duplicates++
      return same
    }
    const lane = this.lanes[laneOf(record.nas.id, record.sessionId, this.lanes.length)]!
    const promise = new Promise<void>((resolve, reject) => {
      lane.queue.push({ record, resolve, reject })
    })
    this.inFlight.set(record.eventKey, promise)
    this.kick(lane)
    return promise
  }

  /** Resolves when nothing is queued or being written, and the usage listener has caught up. */
  async drained(): Promise<void> {
    if (!this.isIdle()) await new Promise<void>((resolve) => this.idle.push(resolve))
    await this.onUsage?.idle()
  }

  private isIdle(): boolean {
    return this.lanes.every((l) => !l.flushing && l.queue.length === 0)
  }

  private remember(key: string): void {
    this.inFlight.delete(key)
    this.committed.add(key)
    if (this.committed.size >= (this.options.rememberKeys ?? 200_000) / 2) {
      this.committedBefore = this.committed
      this.committed = new Set()
    }
  }

  private kick(lane: Lane): void {
    if (lane.flushing) return
    if (lane.queue.length === 0) {
      if (this.isIdle()) for (const w of this.idle.splice(0)) w()
      return
    }
    lane.flushing = true
    const batch = lane.queue.splice(0, this.options.maxBatch ?? 1000)
    this.write(batch.map((w) => w.record))
      .then(
        (grown) => {
          for (const w of batch) {
            this.remember(w.record.eventKey)
            w.resolve()
          }
          if (grown.length > 0 && this.onUsage) {
            try {
              this.onUsage.usageGrew(grown)
            } catch {
              // A listener's failure is its own; the records are committed.
            }
          }
        },
        (error) => {
          for (const w of batch) {
            this.inFlight.delete(w.record.eventKey)
            w.reject(error)
          }
        },
      )
      .finally(() => {
        lane.flushing = false
        this.kick(lane)
      })
  }

  /** Writes one batch; resolves with the services whose usage grew. */
  private async write(records: AccountingRecord[]): Promise<number[]> {
    const batch = this.build(records)
    for (let attempt = 1; ; attempt++) {
      try {
        const grown =
          batch.nasResets.length === 0
            ? await this.statement(this.options.sql, batch)
            : await this.options.sql.begin(async (sql) => {
                const rows = await this.statement(sql as unknown as Sql, batch)
                for (const reset of batch.nasResets) {
                  await sql`
                    update radius_sessions set stopped_at = ${reset.at}::timestamptz, terminate_cause = 'NAS-Reboot'
                    where nas_id = ${reset.nasId} and stopped_at is null and last_update_at <= ${reset.at}::timestamptz`
                }
                return rows
              })
        this.stats.transactions++
        this.stats.records += records.length
        if (records.length > this.stats.largestBatch) this.stats.largestBatch = records.length
        return grown
      } catch (error) {
        if (attempt >= 3 || (error as { code?: string }).code !== DEADLOCK) throw error
      }
    }
  }

  private build(records: AccountingRecord[]): Batch {
    const seen = new Set<string>()
    const raw = rawColumns()
    const sessions = new Map<string, SessionInput>()
    const nasResets: { nasId: number; at: string }[] = []
    const { serviceOf, freeTraffic } = this.options
    for (const r of records) {
      const nasId = Number(r.nas.id)
      const at = second(r.eventTime)
      const sessionId = r.sessionId ?? ''
      const rawKey = `${nasId}|${sessionId}|${r.statusCode}|${at}`
      const owner = r.userName ? serviceOf(r.userName) : undefined
      if (seen.has(rawKey)) this.stats.duplicates++
      else {
        seen.add(rawKey)
        addRaw(raw, r, nasId, at, owner?.serviceId)
      }

      if (r.statusType === 'accounting-on' || r.statusType === 'accounting-off') {
        nasResets.push({ nasId, at })
        continue
      }
      if (r.statusType === 'other' || !r.sessionId) continue
      const stop = r.statusType === 'stop'
      const input: SessionInput = {
        nas_id: nasId,
        acct_session_id: r.sessionId,
        multi_session_id: nullable(r.multiSessionId),
        user_name: r.userName ?? '',
        service_id: owner?.serviceId ?? null,
        customer_id: owner?.customerId ?? null,
        framed_ip_address: nullable(r.framedIpAddress),
        calling_station_id: nullable(r.callingStationId),
        nas_port_id: nullable(r.nasPortId),
        started_at:
          r.statusType === 'start' || !r.sessionTime
            ? at
            : second(new Date(r.eventTime.getTime() - r.sessionTime * 1000)),
        last_update_at: at,
        stopped_at: stop ? at : null,
        session_time: r.sessionTime ?? 0,
        input_octets: r.inputOctets,
        output_octets: r.outputOctets,
        terminate_cause: stop ? (nullable(r.terminateCause) ?? 'Unknown') : null,
        free: r.userName ? (freeTraffic?.(r.userName, r.eventTime) ?? false) : false,
      }
      const key = `${nasId}|${r.sessionId}`
      const prev = sessions.get(key)
      sessions.set(key, prev ? mergeSession(prev, input) : input)
    }
    return { raw, sessions: sessionColumns(sessions.values()), nasResets }
  }

  // Timestamps and booleans go in as text[]: drizzle's driver replaces the shared connection's date
  // serializers (those of the array types too), and postgres.js serializes only `true` as a true bool.
  // Columns of numbers, timestamps and booleans go as one array literal each (nothing to escape);
  // text columns as arrays, which the driver quotes element by element.
  private async statement(sql: Sql, b: Batch): Promise<number[]> {
    const r = literals(b.raw)
    const s = literals(b.sessions)
    const rows = await sql<{ service_id: number }[]>`
      with raw as (
        insert into radius_accounting (event_time, received_at, nas_id, acct_session_id, status_type,
          user_name, service_id, input_octets, output_octets, input_packets, output_packets, session_time,
          delay_time, terminate_cause, framed_ip_address, calling_station_id, nas_port_id)
        select * from unnest(${r.eventTime}::text[]::timestamptz[], ${r.receivedAt}::text[]::timestamptz[], ${r.nasId}::int[],
          ${r.sessionId}::text[], ${r.status}::smallint[], ${r.userName}::text[], ${r.serviceId}::int[],
          ${r.inputOctets}::bigint[], ${r.outputOctets}::bigint[], ${r.inputPackets}::bigint[],
          ${r.outputPackets}::bigint[], ${r.sessionTime}::int[], ${r.delay}::int[], ${r.cause}::text[],
          ${r.framedIp}::text[], ${r.callingStation}::text[], ${r.nasPort}::text[])
        on conflict do nothing
        returning 1
      ),
      input as (
        select * from unnest(${s.nasId}::int[], ${s.sessionId}::text[], ${s.multiSessionId}::text[],
          ${s.userName}::text[], ${s.serviceId}::int[], ${s.customerId}::int[], ${s.framedIp}::text[],
          ${s.callingStation}::text[], ${s.nasPort}::text[], ${s.startedAt}::text[]::timestamptz[],
          ${s.lastUpdateAt}::text[]::timestamptz[], ${s.stoppedAt}::text[]::timestamptz[], ${s.sessionTime}::int[],
          ${s.inputOctets}::bigint[], ${s.outputOctets}::bigint[], ${s.cause}::text[], ${s.free}::text[]::boolean[])
          as x(nas_id, acct_session_id, multi_session_id, user_name, service_id, customer_id,
            framed_ip_address, calling_station_id, nas_port_id, started_at, last_update_at, stopped_at,
            session_time, input_octets, output_octets, terminate_cause, free)
      ),
      -- Materialized: inlined, it is re-run for every row of up (quadratic in the batch size).
      prev as materialized (
        select s.nas_id, s.acct_session_id, s.input_octets, s.output_octets
        from radius_sessions s join input i
          on s.nas_id = i.nas_id and s.acct_session_id = i.acct_session_id
      ),
      up as (
        insert into radius_sessions as s (nas_id, acct_session_id, multi_session_id, user_name,
          service_id, customer_id, framed_ip_address, calling_station_id, nas_port_id, started_at,
          last_update_at, stopped_at, session_time, input_octets, output_octets, terminate_cause)
        select nas_id, acct_session_id, multi_session_id, user_name, service_id, customer_id,
          framed_ip_address, calling_station_id, nas_port_id, started_at, last_update_at, stopped_at,
          session_time, input_octets, output_octets, terminate_cause
        from input
        on conflict (nas_id, acct_session_id) do update set
          started_at = least(s.started_at, excluded.started_at),
          last_update_at = greatest(s.last_update_at, excluded.last_update_at),
          stopped_at = case
            when excluded.stopped_at is not null and (s.stopped_at is null or s.terminate_cause = 'Stale')
              then excluded.stopped_at
            else s.stopped_at end,
          terminate_cause = case
            when excluded.stopped_at is not null and (s.stopped_at is null or s.terminate_cause = 'Stale')
              then excluded.terminate_cause
            else s.terminate_cause end,
          session_time = greatest(s.session_time, excluded.session_time),
          input_octets = greatest(s.input_octets, excluded.input_octets),
          output_octets = greatest(s.output_octets, excluded.output_octets),
          framed_ip_address = coalesce(excluded.framed_ip_address, s.framed_ip_address),
          calling_station_id = coalesce(excluded.calling_station_id, s.calling_station_id),
          service_id = coalesce(s.service_id, excluded.service_id),
          customer_id = coalesce(s.customer_id, excluded.customer_id)
        returning s.nas_id, s.acct_session_id, s.service_id, s.customer_id, s.input_octets,
          s.output_octets, s.last_update_at
      )
      insert into radius_usage_daily as u (service_id, day, customer_id, input_octets, output_octets,
        free_input_octets, free_output_octets)
      select up.service_id, (up.last_update_at at time zone ${this.options.timeZone})::date, up.customer_id,
        sum(greatest(up.input_octets - coalesce(p.input_octets, 0), 0)),
        sum(greatest(up.output_octets - coalesce(p.output_octets, 0), 0)),
        sum(case when i.free then greatest(up.input_octets - coalesce(p.input_octets, 0), 0) else 0 end),
        sum(case when i.free then greatest(up.output_octets - coalesce(p.output_octets, 0), 0) else 0 end)
      from up left join prev p on p.nas_id = up.nas_id and p.acct_session_id = up.acct_session_id
        join input i on i.nas_id = up.nas_id and i.acct_session_id = up.acct_session_id
      where up.service_id is not null
        and (up.input_octets > coalesce(p.input_octets, 0) or up.output_octets > coalesce(p.output_octets, 0))
      group by 1, 2, 3
      -- The same order in every lane, so two lanes adding to one service's day cannot deadlock.
      order by 1, 2
      on conflict (service_id, day) do update set
        input_octets = u.input_octets + excluded.input_octets,
        output_octets = u.output_octets + excluded.output_octets,
        free_input_octets = u.free_input_octets + excluded.free_input_octets,
        free_output_octets = u.free_output_octets + excluded.free_output_octets
      returning u.service_id`
    return [...new Set(rows.map((row) => row.service_id))]
  }
}

interface Batch {
  raw: ReturnType<typeof rawColumns>
  sessions: ReturnType<typeof sessionColumns>
  nasResets: { nasId: number; at: string }[]
}

type Column = (string | null)[]

/** The raw events as one array per column (unnest in the statement), every value as text or null. */
function rawColumns() {
  return {
    eventTime: [] as Column,
    receivedAt: [] as Column,
    nasId: [] as Column,
    sessionId: [] as Column,
    status: [] as Column,
    userName: [] as Column,
    serviceId: [] as Column,
    inputOctets: [] as Column,
    outputOctets: [] as Column,
    inputPackets: [] as Column,
    outputPackets: [] as Column,
    sessionTime: [] as Column,
    delay: [] as Column,
    cause: [] as Column,
    framedIp: [] as Column,
    callingStation: [] as Column,
    nasPort: [] as Column,
  }
}

function addRaw(
  c: ReturnType<typeof rawColumns>,
  r: AccountingRecord,
  nasId: number,
  at: string,
  serviceId: number | undefined,
): void {
  c.eventTime.push(at)
  c.receivedAt.push(r.receivedAt.toISOString())
  c.nasId.push(String(nasId))
  c.sessionId.push(r.sessionId ?? '')
  c.status.push(String(r.statusCode))
  c.userName.push(nullable(r.userName))
  c.serviceId.push(text(serviceId))
  c.inputOctets.push(r.inputOctets.toString())
  c.outputOctets.push(r.outputOctets.toString())
  c.inputPackets.push(String(r.inputPackets))
  c.outputPackets.push(String(r.outputPackets))
  c.sessionTime.push(text(r.sessionTime))
  c.delay.push(String(r.delaySeconds))
  c.cause.push(nullable(r.terminateCause))
  c.framedIp.push(nullable(r.framedIpAddress))
  c.callingStation.push(nullable(r.callingStationId))
  c.nasPort.push(nullable(r.nasPortId))
}

function sessionColumns(sessions: Iterable<SessionInput>) {
  const c = {
    nasId: [] as Column,
    sessionId: [] as Column,
    multiSessionId: [] as Column,
    userName: [] as Column,
    serviceId: [] as Column,
    customerId: [] as Column,
    framedIp: [] as Column,
    callingStation: [] as Column,
    nasPort: [] as Column,
    startedAt: [] as Column,
    lastUpdateAt: [] as Column,
    stoppedAt: [] as Column,
    sessionTime: [] as Column,
    inputOctets: [] as Column,
    outputOctets: [] as Column,
    cause: [] as Column,
    free: [] as Column,
  }
  for (const s of sessions) {
    c.nasId.push(String(s.nas_id))
    c.sessionId.push(s.acct_session_id)
    c.multiSessionId.push(s.multi_session_id)
    c.userName.push(s.user_name)
    c.serviceId.push(text(s.service_id))
    c.customerId.push(text(s.customer_id))
    c.framedIp.push(s.framed_ip_address)
    c.callingStation.push(s.calling_station_id)
    c.nasPort.push(s.nas_port_id)
    c.startedAt.push(s.started_at)
    c.lastUpdateAt.push(s.last_update_at)
    c.stoppedAt.push(s.stopped_at)
    c.sessionTime.push(String(s.session_time))
    c.inputOctets.push(s.input_octets.toString())
    c.outputOctets.push(s.output_octets.toString())
    c.cause.push(s.terminate_cause)
    c.free.push(s.free ? 'true' : 'false')
  }
  return c
}

/**
 * Columns whose values never need quoting in an array literal (numbers, ISO timestamps, booleans)
 * joined into one literal each; the others left as arrays.
 */
const LITERAL_COLUMNS = new Set([
  'eventTime',
  'receivedAt',
  'nasId',
  'status',
  'serviceId',
  'customerId',
  'inputOctets',
  'outputOctets',
  'inputPackets',
  'outputPackets',
  'sessionTime',
  'delay',
  'startedAt',
  'lastUpdateAt',
  'stoppedAt',
  'free',
])

function literals<T extends Record<string, Column>>(columns: T): Record<keyof T, Column | string> {
  const out = {} as Record<keyof T, Column | string>
  for (const name in columns) {
    const values = columns[name]!
    if (!LITERAL_COLUMNS.has(name)) {
      out[name] = values
      continue
    }
    let literal = '{'
    for (let i = 0; i < values.length; i++) {
      if (i > 0) literal += ','
      literal += values[i] ?? 'NULL'
    }
    out[name] = `${literal}}`
  }
  return out
}

interface SessionInput {
  nas_id: number
  acct_session_id: string
  multi_session_id: string | null
  user_name: string
  service_id: number | null
  customer_id: number | null
  framed_ip_address: string | null
  calling_station_id: string | null
  nas_port_id: string | null
  started_at: string
  last_update_at: string
  stopped_at: string | null
  session_time: number
  input_octets: bigint
  output_octets: bigint
  terminate_cause: string | null
  /** The latest record of the session in the batch arrived inside a 'free' fair-usage window. */
  free: boolean
}

/** Two events of one session in the same batch: what the row would be after both. */
function mergeSession(a: SessionInput, b: SessionInput): SessionInput {
  const max = (x: bigint, y: bigint) => (x > y ? x : y)
  return {
    ...a,
    multi_session_id: a.multi_session_id ?? b.multi_session_id,
    service_id: a.service_id ?? b.service_id,
    customer_id: a.customer_id ?? b.customer_id,
    framed_ip_address: b.framed_ip_address ?? a.framed_ip_address,
    calling_station_id: b.calling_station_id ?? a.calling_station_id,
    started_at: [a.started_at, b.started_at].sort()[0]!,
    last_update_at: [a.last_update_at, b.last_update_at].sort()[1]!,
    stopped_at: a.stopped_at ?? b.stopped_at,
    terminate_cause: a.terminate_cause ?? b.terminate_cause,
    session_time: Math.max(a.session_time, b.session_time),
    input_octets: max(a.input_octets, b.input_octets),
    output_octets: max(a.output_octets, b.output_octets),
    free: b.last_update_at >= a.last_update_at ? b.free : a.free,
  }
}
