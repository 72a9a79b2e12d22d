/**
 * The NAS table in memory, keyed by source address, with request counters and last-seen times kept in
 * memory and flushed to radius_nas every few seconds (never a write per datagram). Sources that are not
 * a NAS are counted per address, for the NAS page.
 */
import type { Sql } from 'postgres'
import { decryptSecret } from '../../../core/plugin-api.ts'
import type { NasClient, NasDirectory } from '../server/types.ts'

export type NasType = 'mikrotik' | 'cisco' | 'juniper' | 'generic'

export interface KnownNas extends NasClient {
  id: number
  address: string
  type: NasType
  coaPort: number
  partnerId: number | null
}

export interface UnknownSource {
  address: string
  count: number
  lastSeen: Date
}

const MAX_UNKNOWN = 1000

export class DbNasDirectory implements NasDirectory {
  private byAddress = new Map<string, KnownNas>()
  private byId = new Map<number, KnownNas>()
  private readonly pending = new Map<number, { count: number; last: number }>()
  private readonly unknown = new Map<string, UnknownSource>()

  constructor(
    private readonly sql: Sql,
    private readonly key: string,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    const rows = await this.sql<
      {
        id: number
        name: string
        ipAddress: string
        secretEncrypted: string
        type: NasType
        coaPort: number
        requireMessageAuthenticator: boolean
        partnerId: number | null
      }[]
    >`select id, name, ip_address as "ipAddress", secret_encrypted as "secretEncrypted", type,
             coa_port as "coaPort", require_message_authenticator as "requireMessageAuthenticator",
             partner_id as "partnerId"
      from radius_nas`
    const byAddress = new Map<string, KnownNas>()
    const byId = new Map<number, KnownNas>()
    for (const row of rows) {
      let secret: string
      try {
        secret = decryptSecret(this.key, row.secretEncrypted)
      } catch {
        continue // sealed with another instance key: this NAS cannot be served
      }
      const nas: KnownNas = {
        id: row.id,
        name: row.name,
        address: row.ipAddress,
        secret,
        type: row.type,
        coaPort: row.coaPort,
        requireMessageAuthenticator: row.requireMessageAuthenticator,
        partnerId: row.partnerId,
      }
      byAddress.set(row.ipAddress, nas)
      byId.set(row.id, nas)
    }
    this.byAddress = byAddress
    this.byId = byId
  }

  lookup(address: string): KnownNas | undefined {
    const nas = this.byAddress.get(address)
    const now = this.now()
    if (nas) {
      const p = this.pending.get(nas.id)
      if (p) {
        p.count++
        p.last = now
      } else this.pending.set(nas.id, { count: 1, last: now })
      return nas
    }
    const seen = this.unknown.get(address)
    if (seen) {
      seen.count++
      seen.lastSeen = new Date(now)
    } else if (this.unknown.size < MAX_UNKNOWN) {
      this.unknown.set(address, { address, count: 1, lastSeen: new Date(now) })
    }
    return undefined
  }

  get(id: number): KnownNas | undefined {
    return this.byId.get(id)
  }

  list(): KnownNas[] {
    return [...this.byId.values()]
  }

  unknownSources(): UnknownSource[] {
    return [...this.unknown.values()].sort((a, b) => b.count - a.count)
  }

  /** Counts not yet written, so a page can add them to the stored ones. */
  pendingCount(id: number): number {
    return this.pending.get(id)?.count ?? 0
  }

  async flushCounters(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = [...this.pending].map(([id, p]) => ({
      id,
      count: p.count,
      last: new Date(p.last).toISOString(),
    }))
    this.pending.clear()
    try {
      await this.sql`
        update radius_nas n set requests = n.requests + x.count,
               last_seen_at = greatest(n.last_seen_at, x.last)
        from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as x(id int, count bigint, last timestamptz)
        where n.id = x.id`
    } catch (error) {
      for (const b of batch) {
        const p = this.pending.get(b.id)
        const last = Date.parse(b.last)
        if (p) {
          p.count += b.count
          p.last = Math.max(p.last, last)
        } else this.pending.set(b.id, { count: b.count, last })
      }
      throw error
    }
  }
}
