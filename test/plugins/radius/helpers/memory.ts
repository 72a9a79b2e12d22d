// In-memory implementations of the server's seams, standing in for the database layer in tests.
import type {
  AccessRequest,
  AccountingRecord,
  AccountingStore,
  NasClient,
  NasDirectory,
} from '../../../../plugins/radius/server/types.ts'
import type { Subscriber, SubscriberSource } from '../../../../plugins/radius/server/subscriber-authorizer.ts'

export class MemoryNasDirectory implements NasDirectory {
  readonly byAddress = new Map<string, NasClient>()
  add(address: string, nas: Partial<NasClient> & { secret: string }): NasClient {
    const client: NasClient = {
      id: address,
      name: `nas-${address}`,
      requireMessageAuthenticator: false,
      ...nas,
    }
    this.byAddress.set(address, client)
    return client
  }
  lookup(address: string) {
    return this.byAddress.get(address)
  }
}

export class MemorySubscribers implements SubscriberSource {
  readonly users = new Map<string, Subscriber>()
  readonly bound: { id: string | number; mac: string }[] = []
  readonly seen: AccessRequest[] = []
  add(userName: string, sub: Partial<Subscriber> & { password: string }): Subscriber {
    const s: Subscriber = { id: userName, state: 'active', replyAttributes: [], ...sub }
    this.users.set(userName, s)
    return s
  }
  async find(userName: string, request: AccessRequest) {
    this.seen.push(request)
    return this.users.get(userName) ?? null
  }
  async bindMac(subscriber: Subscriber, mac: string) {
    subscriber.macs = [mac]
    this.bound.push({ id: subscriber.id, mac })
  }
}

/** Commits records to an array when `commit()` is called, so tests can hold the acknowledgement. */
export class MemoryAccountingStore implements AccountingStore {
  readonly records: AccountingRecord[] = []
  readonly keys = new Set<string>()
  hold = false
  failNext = 0
  private held: (() => void)[] = []
  async record(record: AccountingRecord): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--
      throw new Error('database unavailable')
    }
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve))
    if (this.keys.has(record.eventKey)) return
    this.keys.add(record.eventKey)
    this.records.push(record)
  }
  get waiting(): number {
    return this.held.length
  }
  release(): void {
    this.hold = false
    for (const r of this.held.splice(0)) r()
  }
}
