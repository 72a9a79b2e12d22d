/**
 * Every live internet service in memory, keyed by login, so an Access-Request never waits for the
 * database. Loaded whole at start (one query), then kept fresh by reloading the services, customers and
 * plans the change feed names. Passwords stay sealed until a login is first used.
 */
import type { PendingQuery, Row, Sql } from 'postgres'
import { decryptSecret } from '../../../core/plugin-api.ts'
import type { NamedAttribute } from '../protocol/dictionary.ts'
import { activeRule, windowRateLimit } from '../caps/fair-usage.ts'
import { buildMikrotikRateLimit } from '../protocol/rate-limit.ts'
import type { Subscriber, SubscriberSource } from '../server/subscriber-authorizer.ts'
import type { AccessRequest } from '../server/types.ts'

export interface PlanEntry {
  id: number
  name: string
  rateLimit: string | null
  capMb: number | null
  capDirection: 'both' | 'download' | 'upload'
  capAction: 'block' | 'fixed_speed' | 'reduce' | null
  /** The rate limit once the cap is reached (fixed_speed or reduce); null for block or no cap. */
  cappedRateLimit: string | null
  fairUsage: FairUsageRule[]
  downloadKbps: number | null
  uploadKbps: number | null
}

/** A plan's fair-usage rule (core/plans/schema.ts FairUsageRule). */
export interface FairUsageRule {
  name: string
  weekdays: number[]
  from: string
  to: string
  kind: 'free' | 'speed'
  downloadKbps?: number
  uploadKbps?: number
}

export interface ServiceEntry {
  serviceId: number
  customerId: number
  partnerId: number
  planId: number
  login: string
  serviceStatus: string
  customerStatus: string
  passwordSealed: string | null
  /** Decrypted on first use. */
  password?: string
  mac: string | null
  ipv4Address: string | null
  ipPool: string | null
  nasId: number | null
  /** The cap action in force while the data cap of the period is reached (radius_cap_state). */
  capped: string | null
  /** Built on first use from the service and its plan. */
  subscriber?: Subscriber
}

/** Why a found login still gets a restricted session, for the auth log. */
export function blockDetail(entry: ServiceEntry): string | null {
  if (entry.customerStatus === 'blocked') return 'customer blocked'
  if (entry.customerStatus === 'inactive') return 'customer inactive'
  if (entry.serviceStatus !== 'active') return `service ${entry.serviceStatus}`
  return null
}

interface ServiceRow {
  id: number
  customerId: number
  partnerId: number
  planId: number
  login: string
  status: string
  customerStatus: string
  passwordEncrypted: string | null
  mac: string | null
  ipv4Address: string | null
  ipPool: string | null
  nasId: number | null
  capped: string | null
}

interface PlanRow {
  id: number
  name: string
  downloadKbps: number | null
  uploadKbps: number | null
  burstPercent: number | null
  burstThresholdPercent: number | null
  burstTimeS: number | null
  priority: number | null
  capMb: string | number | null
  capDirection: 'both' | 'download' | 'upload' | null
  capAction: 'block' | 'fixed_speed' | 'reduce' | null
  capDownloadKbps: number | null
  capUploadKbps: number | null
  capReducePercent: number | null
  fairUsage: FairUsageRule[] | null
}

/** The reduced speeds of a capped service: the plan's fixed speeds, or its speeds less capReducePercent. */
export function cappedSpeeds(row: PlanRow): { downloadKbps: number; uploadKbps: number } | null {
  if (row.capAction === 'fixed_speed' && row.capDownloadKbps && row.capUploadKbps)
    return { downloadKbps: row.capDownloadKbps, uploadKbps: row.capUploadKbps }
  if (row.capAction === 'reduce' && row.capReducePercent && row.downloadKbps && row.uploadKbps) {
    const keep = (kbps: number) => Math.max(1, Math.floor((kbps * (100 - row.capReducePercent!)) / 100))
    return { downloadKbps: keep(row.downloadKbps), uploadKbps: keep(row.uploadKbps) }
  }
  return null
}

export function planEntry(row: PlanRow): PlanEntry {
  let rateLimit: string | null = null
  if (row.downloadKbps && row.uploadKbps) {
    const burst =
      row.burstPercent && row.burstPercent > 0
        ? {
            limitPercent: row.burstPercent,
            thresholdPercent: row.burstThresholdPercent ?? 100,
            timeSeconds: row.burstTimeS ?? 0,
          }
        : undefined
    try {
      rateLimit = buildMikrotikRateLimit({
        downloadKbps: row.downloadKbps,
        uploadKbps: row.uploadKbps,
        burst,
        priority: row.priority ?? undefined,
      })
    } catch {
      // A plan the rate-limit builder refuses (e.g. burst time 0 with a burst) still gets its plain speeds.
      rateLimit = buildMikrotikRateLimit({ downloadKbps: row.downloadKbps, uploadKbps: row.uploadKbps })
    }
  }
  const capped = cappedSpeeds(row)
  return {
    id: row.id,
    name: row.name,
    rateLimit,
    capMb: row.capMb === null ? null : Number(row.capMb),
    capDirection: row.capDirection ?? 'both',
    capAction: row.capMb === null ? null : row.capAction,
    cappedRateLimit: capped ? buildMikrotikRateLimit(capped) : null,
    fairUsage: row.fairUsage ?? [],
    downloadKbps: row.downloadKbps,
    uploadKbps: row.uploadKbps,
  }
}

const PLAN_COLUMNS = `id, name, download_kbps as "downloadKbps", upload_kbps as "uploadKbps",
  burst_percent as "burstPercent", burst_threshold_percent as "burstThresholdPercent",
  burst_time_s as "burstTimeS", priority, cap_mb as "capMb", cap_direction as "capDirection",
  cap_action as "capAction", cap_download_kbps as "capDownloadKbps", cap_upload_kbps as "capUploadKbps",
  cap_reduce_percent as "capReducePercent", fair_usage as "fairUsage"`

/** One internet plan with its Mikrotik-Rate-Limit, straight from the database. */
export async function loadPlanEntry(sql: Sql, id: number): Promise<PlanEntry | null> {
  const [row] = await sql<PlanRow[]>`select ${sql.unsafe(PLAN_COLUMNS)} from plans where id = ${id}`
  return row ? planEntry(row) : null
}

export class SubscriberIndex implements SubscriberSource {
  private readonly byLogin = new Map<string, ServiceEntry>()
  private readonly byService = new Map<number, ServiceEntry>()
  private plans = new Map<number, PlanEntry>()
  /** Clock and zone of fair-usage windows (the runtime sets them). */
  now: () => number = Date.now
  timeZone = 'UTC'

  constructor(
    private readonly sql: Sql,
    private readonly key: string,
  ) {}

  get size(): number {
    return this.byLogin.size
  }

  lookup(login: string): ServiceEntry | undefined {
    return this.byLogin.get(login)
  }

  service(id: number): ServiceEntry | undefined {
    return this.byService.get(id)
  }

  plan(id: number): PlanEntry | undefined {
    return this.plans.get(id)
  }

  /** Whether a service's data cap can change: its plan has a cap, or it is capped now. */
  hasCap(serviceId: number): boolean {
    const entry = this.byService.get(serviceId)
    if (!entry) return false
    return entry.capped !== null || (this.plans.get(entry.planId)?.capMb ?? null) !== null
  }

  async loadAll(): Promise<void> {
    await this.loadPlans()
    const rows = await this.selectServices(this.sql`true`)
    this.byLogin.clear()
    this.byService.clear()
    for (const row of rows) this.put(row)
  }

  async loadPlans(): Promise<void> {
    const rows = await this.sql<PlanRow[]>`
      select ${this.sql.unsafe(PLAN_COLUMNS)} from plans where type = 'internet'`
    this.plans = new Map(rows.map((r) => [r.id, planEntry(r)]))
    for (const entry of this.byService.values()) entry.subscriber = undefined
  }

  /** Reloads these services (gone or no longer live ones drop out). */
  async reloadServices(ids: number[]): Promise<void> {
    if (ids.length === 0) return
    const rows = await this.selectServices(this.sql`s.id = any(${ids}::int[])`)
    await this.ensurePlans(rows)
    for (const id of ids) this.remove(id)
    for (const row of rows) this.put(row)
  }

  /** Reloads every service of these customers (their status changed). */
  async reloadCustomers(ids: number[]): Promise<void> {
    if (ids.length === 0) return
    const rows = await this.selectServices(this.sql`s.customer_id = any(${ids}::int[])`)
    await this.ensurePlans(rows)
    const customers = new Set(ids)
    for (const entry of [...this.byService.values()])
      if (customers.has(entry.customerId)) this.remove(entry.serviceId)
    for (const row of rows) this.put(row)
  }

  /**
   * Decrypts passwords and builds replies ahead of the first login, in slices of at most `sliceMs` that
   * leave the event loop to requests in between (a slice is a stall every request waiting behind it
   * pays). Stops early when `signal` says so.
   */
  async warm(signal?: { stopped: boolean }, sliceMs = 2): Promise<void> {
    const entries = [...this.byService.values()]
    let i = 0
    while (i < entries.length) {
      if (signal?.stopped) return
      const until = performance.now() + sliceMs
      do {
        const entry = entries[i++]!
        entry.subscriber ??= this.subscriberOf(entry)
      } while (i < entries.length && (i & 15 || performance.now() < until))
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /** Plans created since the last load (a plan's insert is not a change until a service uses it). */
  private async ensurePlans(rows: ServiceRow[]): Promise<void> {
    if (rows.some((r) => !this.plans.has(r.planId))) await this.loadPlans()
  }

  private selectServices(where: PendingQuery<Row[]>): Promise<ServiceRow[]> {
    return this.sql<ServiceRow[]>`
      select s.id, s.customer_id as "customerId", c.partner_id as "partnerId", s.plan_id as "planId",
             s.login, s.status, c.status as "customerStatus", s.password_encrypted as "passwordEncrypted",
             s.mac, s.ipv4_address as "ipv4Address", s.ip_pool as "ipPool", s.nas_id as "nasId",
             cs.cap_action as capped
      from services s join customers c on c.id = s.customer_id
        left join radius_cap_state cs on cs.service_id = s.id and cs.capped_at is not null
      where s.type = 'internet' and s.login is not null and s.status in ('pending', 'active', 'disabled')
        and ${where}`
  }

  private put(row: ServiceRow): void {
    const entry: ServiceEntry = {
      serviceId: row.id,
      customerId: row.customerId,
      partnerId: row.partnerId,
      planId: row.planId,
      login: row.login,
      serviceStatus: row.status,
      customerStatus: row.customerStatus,
      passwordSealed: row.passwordEncrypted,
      mac: row.mac,
      ipv4Address: row.ipv4Address,
      ipPool: row.ipPool,
      nasId: row.nasId,
      capped: row.capped,
    }
    this.byLogin.set(entry.login, entry)
    this.byService.set(entry.serviceId, entry)
  }

  private remove(serviceId: number): void {
    const entry = this.byService.get(serviceId)
    if (!entry) return
    this.byService.delete(serviceId)
    if (this.byLogin.get(entry.login) === entry) this.byLogin.delete(entry.login)
  }

  /** SubscriberSource: a service bound to another NAS is not found from this one. */
  find(userName: string, request: AccessRequest): Subscriber | null {
    const entry = this.byLogin.get(userName)
    if (!entry) return null
    if (entry.nasId !== null && String(entry.nasId) !== String(request.nas.id)) return null
    // A plan with speed windows has a rate that depends on the hour: built per request, not cached.
    if (this.plans.get(entry.planId)?.fairUsage.some((r) => r.kind === 'speed'))
      return this.subscriberOf(entry)
    entry.subscriber ??= this.subscriberOf(entry)
    return entry.subscriber
  }

  /** Whether the login's plan has a 'free' fair-usage window open at `at`. */
  inFreeWindow(login: string, at: number): boolean {
    const entry = this.byLogin.get(login)
    const rules = entry ? this.plans.get(entry.planId)?.fairUsage : undefined
    return !!rules?.length && activeRule(rules, 'free', at, this.timeZone) !== null
  }

  /** The rate limit of the plan's fair-usage speed window in force now, or null. */
  windowRateLimit(plan: PlanEntry): string | null {
    const rule = activeRule(plan.fairUsage, 'speed', this.now(), this.timeZone)
    return rule ? windowRateLimit(rule, plan) : null
  }

  private subscriberOf(entry: ServiceEntry): Subscriber {
    if (entry.password === undefined) {
      try {
        entry.password = entry.passwordSealed ? decryptSecret(this.key, entry.passwordSealed) : ''
      } catch {
        // Sealed with another instance key: no password matches, the login gets reason 4.
        entry.password = ''
      }
    }
    const attributes: NamedAttribute[] = []
    if (entry.ipv4Address) attributes.push({ name: 'Framed-IP-Address', value: entry.ipv4Address })
    else if (entry.ipPool) attributes.push({ name: 'Framed-Pool', value: entry.ipPool })
    const plan = this.plans.get(entry.planId)
    const rateLimit = (entry.capped && plan?.cappedRateLimit) || plan?.rateLimit
    if (rateLimit) attributes.push({ name: 'Mikrotik-Rate-Limit', value: rateLimit })
    const window = plan && !entry.capped ? this.windowRateLimit(plan) : null
    if (window) {
      const i = attributes.findIndex((a) => a.name === 'Mikrotik-Rate-Limit')
      if (i >= 0) attributes.splice(i, 1)
      attributes.push({ name: 'Mikrotik-Rate-Limit', value: window })
    }
    const blocked = blockDetail(entry) !== null
    return {
      id: entry.serviceId,
      // An empty stored password never matches: PAP and CHAP of "" would otherwise succeed.
      password: entry.password === '' ? '\u0000no-password' : entry.password,
      state: blocked ? 'blocked' : entry.capped === 'block' ? 'negative-balance' : 'active',
      macs: entry.mac ? [entry.mac] : [],
      replyAttributes: attributes,
    }
  }
}
