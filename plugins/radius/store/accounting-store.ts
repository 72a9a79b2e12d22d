/**
 * Accounting into PostgreSQL with group commit: records that arrive while a transaction is in flight
 * wait and go together in the next one (one multi-row statement per table), and each record()
 * resolves only after its transaction committed. In one transaction: the raw event (stored once per
 * NAS, Acct-Session-Id, status and event second), the session row (counters only grow, a stop is kept),
 * the day's usage per service (the growth of the session's counters), and Accounting-On/Off closing
 * the NAS's open sessions.
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
  /** Most records in one transaction. */
  maxBatch?: number
  /** Event keys remembered after commit, to drop a retransmission whose Acct-Delay-Time moved the time. */
  rememberKeys?: number
}

interface Waiting {
  record: AccountingRecord
  resolve: () => void
  reject: (error: unknown) => void
}

export interface AccountingStoreStats {
  transactions: number
  records: number
  duplicates: number
  largestBatch: number
}

const second = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString()
const nullable = (s: string | undefined) => (s === undefined || s === '' ? null : s)

export class PgAccountingStore implements AccountingStore {
  readonly stats: AccountingStoreStats = { transactions: 0, records: 0, duplicates: 0, largestBatch: 0 }
  private queue: Waiting[] = []
  private flushing = false
  private readonly inFlight = new Map<string, Promise<void>>()
  /** Two generations, so forgetting the oldest keys is O(1). */
  private committed = new Set<string>()
  private committedBefore = new Set<string>()
  private readonly idle: (() => void)[] = []

  constructor(private readonly options: AccountingStoreOptions) {}

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
    const promise = new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject })
    })
    this.inFlight.set(record.eventKey, promise)
    promise.then(
      () => this.remember(record.eventKey),
      () => this.inFlight.delete(record.eventKey),
    )
    this.kick()
    return promise
  }

  /** Resolves when nothing is queued or being written. */
  drained(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  private remember(key: string): void {
    this.inFlight.delete(key)
    this.committed.add(key)
    if (this.committed.size >= (this.options.rememberKeys ?? 200_000) / 2) {
      this.committedBefore = this.committed
      this.committed = new Set()
    }
  }

  private kick(): void {
    if (this.flushing) return
    if (this.queue.length === 0) {
      for (const w of this.idle.splice(0)) w()
      return
    }
    this.flushing = true
    const batch = this.queue.splice(0, this.options.maxBatch ?? 1000)
    this.write(batch.map((w) => w.record))
      .then(
        () => {
          for (const w of batch) w.resolve()
        },
        (error) => {
          for (const w of batch) w.reject(error)
        },
      )
      .finally(() => {
        this.flushing = false
        this.kick()
      })
  }

  private async write(records: AccountingRecord[]): Promise<void> {
    const raw = new Map<string, Record<string, unknown>>()
    const sessions = new Map<string, SessionInput>()
    const nasResets: { nasId: number; at: string }[] = []
    for (const r of records) {
      const nasId = Number(r.nas.id)
      const at = second(r.eventTime)
      const owner = r.userName ? this.options.serviceOf(r.userName) : undefined
      const sessionId = r.sessionId ?? ''
      const rawKey = `${nasId}|${sessionId}|${r.statusCode}|${at}`
      if (!raw.has(rawKey))
        raw.set(rawKey, {
          event_time: at,
          received_at: r.receivedAt.toISOString(),
          nas_id: nasId,
          acct_session_id: sessionId,
          status_type: r.statusCode,
          user_name: nullable(r.userName),
          service_id: owner?.serviceId ?? null,
          input_octets: r.inputOctets.toString(),
          output_octets: r.outputOctets.toString(),
          input_packets: r.inputPackets,
          output_packets: r.outputPackets,
          session_time: r.sessionTime ?? null,
          delay_time: r.delaySeconds,
          terminate_cause: nullable(r.terminateCause),
          framed_ip_address: nullable(r.framedIpAddress),
          calling_station_id: nullable(r.callingStationId),
          nas_port_id: nullable(r.nasPortId),
        })
      else this.stats.duplicates++

      if (r.statusType === 'accounting-on' || r.statusType === 'accounting-off') {
        nasResets.push({ nasId, at })
        continue
      }
      if (r.statusType === 'other' || !r.sessionId) continue
      const started = new Date(
        r.eventTime.getTime() - (r.statusType === 'start' ? 0 : (r.sessionTime ?? 0) * 1000),
      )
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
        started_at: second(started),
        last_update_at: at,
        stopped_at: r.statusType === 'stop' ? at : null,
        session_time: r.sessionTime ?? 0,
        input_octets: r.inputOctets,
        output_octets: r.outputOctets,
        terminate_cause: r.statusType === 'stop' ? (nullable(r.terminateCause) ?? 'Unknown') : null,
        free: r.userName ? (this.options.freeTraffic?.(r.userName, r.eventTime) ?? false) : false,
      }
      const key = `${nasId}|${r.sessionId}`
      const prev = sessions.get(key)
      sessions.set(key, prev ? mergeSession(prev, input) : input)
    }

    const sessionRows = [...sessions.values()].map((s) => ({
      ...s,
      input_octets: s.input_octets.toString(),
      output_octets: s.output_octets.toString(),
    }))
    const tz = this.options.timeZone
    await this.options.sql.begin(async (sql) => {
      await sql`
        insert into radius_accounting (event_time, received_at, nas_id, acct_session_id, status_type,
          user_name, service_id, input_octets, output_octets, input_packets, output_packets, session_time,
          delay_time, terminate_cause, framed_ip_address, calling_station_id, nas_port_id)
        select * from jsonb_to_recordset(${JSON.stringify([...raw.values()])}::jsonb) as x(
          event_time timestamptz, received_at timestamptz, nas_id int, acct_session_id text,
          status_type smallint, user_name text, service_id int, input_octets bigint, output_octets bigint,
          input_packets bigint, output_packets bigint, session_time int, delay_time int,
          terminate_cause text, framed_ip_address text, calling_station_id text, nas_port_id text)
        on conflict do nothing`
      if (sessionRows.length > 0) {
        await sql`
          with input as (
            select * from jsonb_to_recordset(${JSON.stringify(sessionRows)}::jsonb) as x(
              nas_id int, acct_session_id text, multi_session_id text, user_name text, service_id int,
              customer_id int, framed_ip_address text, calling_station_id text, nas_port_id text,
              started_at timestamptz, last_update_at timestamptz, stopped_at timestamptz,
              session_time int, input_octets bigint, output_octets bigint, terminate_cause text,
              free boolean)
          ),
          prev as (
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
          select up.service_id, (up.last_update_at at time zone ${tz})::date, up.customer_id,
            sum(greatest(up.input_octets - coalesce(p.input_octets, 0), 0)),
            sum(greatest(up.output_octets - coalesce(p.output_octets, 0), 0)),
            sum(case when i.free then greatest(up.input_octets - coalesce(p.input_octets, 0), 0) else 0 end),
            sum(case when i.free then greatest(up.output_octets - coalesce(p.output_octets, 0), 0) else 0 end)
          from up left join prev p on p.nas_id = up.nas_id and p.acct_session_id = up.acct_session_id
            join input i on i.nas_id = up.nas_id and i.acct_session_id = up.acct_session_id
          where up.service_id is not null
            and (up.input_octets > coalesce(p.input_octets, 0) or up.output_octets > coalesce(p.output_octets, 0))
          group by 1, 2, 3
          on conflict (service_id, day) do update set
            input_octets = u.input_octets + excluded.input_octets,
            output_octets = u.output_octets + excluded.output_octets,
            free_input_octets = u.free_input_octets + excluded.free_input_octets,
            free_output_octets = u.free_output_octets + excluded.free_output_octets`
      }
      for (const reset of nasResets) {
        await sql`
          update radius_sessions set stopped_at = ${reset.at}::timestamptz, terminate_cause = 'NAS-Reboot'
          where nas_id = ${reset.nasId} and stopped_at is null and last_update_at <= ${reset.at}::timestamptz`
      }
    })
    this.stats.transactions++
    this.stats.records += records.length
    if (records.length > this.stats.largestBatch) this.stats.largestBatch = records.length
  }
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
