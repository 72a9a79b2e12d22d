// Starts a RadiusServer on 127.0.0.1 with in-memory seams, and waits for its counters.
import { RadiusServer, type RadiusServerOptions } from '../../../../plugins/radius/server/radius-server.ts'
import { defaultReplyPolicy, type ReplyPolicy } from '../../../../plugins/radius/server/policy.ts'
import { subscriberAuthorizer } from '../../../../plugins/radius/server/subscriber-authorizer.ts'
import { MemoryAccountingStore, MemoryNasDirectory, MemorySubscribers } from './memory.ts'

export const SECRET = 'testing123'

export async function startServer(
  t: { teardown: (fn: () => unknown) => void },
  options: Partial<RadiusServerOptions> & { policy?: () => ReplyPolicy } = {},
) {
  const nas = new MemoryNasDirectory()
  const localNas = nas.add('127.0.0.1', { secret: SECRET })
  const subscribers = new MemorySubscribers()
  const store = new MemoryAccountingStore()
  const policy = defaultReplyPolicy()
  const errors: unknown[] = []
  const server = new RadiusServer({
    host: '127.0.0.1',
    authPort: 0,
    acctPort: 0,
    nas,
    authorize: subscriberAuthorizer(subscribers),
    accounting: store,
    policy: () => policy,
    onError: (error) => errors.push(error),
    ...options,
  })
  const ports = await server.start()
  t.teardown(() => server.stop())
  /** Resolves once `n` datagrams have been received and none is still being handled. */
  const settled = async (n: number) => {
    for (let i = 0; i < 2000; i++) {
      const s = server.stats()
      if (s.received >= n && s.inFlight === 0) return s
      await new Promise((r) => setTimeout(r, 2))
    }
    return server.stats()
  }
  return { server, ports, nas, localNas, subscribers, store, policy, errors, settled }
}
