/**
 * The plugin's running server (when this node listens) and a CoA sender for event handlers and the
 * panel: the running server's client and NAS table, or, on a node that does not listen, a client and
 * NAS table opened for the one call.
 */
import type { Sql } from 'postgres'
import { instanceKey, type PluginContext } from '../../core/plugin-api.ts'
import type { RadiusRuntime } from './runtime.ts'
import { CoaClient } from './server/coa-client.ts'
import type { CoaDeps } from './service/coa.ts'
import { DbNasDirectory } from './store/nas-directory.ts'
import type { RadiusSettings } from './settings.ts'

export class RadiusState {
  runtime: RadiusRuntime | undefined
  /** Why the sockets are not open, for the NAS page. */
  notListening: string | undefined

  /** Runs `fn` with CoA deps; picks up pending panel changes first so a re-authentication sees them. */
  async withCoa<T>(ctx: PluginContext, fn: (deps: CoaDeps) => Promise<T>): Promise<T> {
    const now = () => ctx.clock.now()
    const sql = ctx.sql as Sql
    const runtime = this.runtime
    if (runtime) {
      await runtime.refresh()
      return fn({ sql, client: runtime.coa, nas: (id) => runtime.nas.get(id), now })
    }
    const settings = (await ctx.settings()) as unknown as RadiusSettings
    const directory = new DbNasDirectory(sql, await instanceKey(ctx), () => now().getTime())
    await directory.load()
    const client = new CoaClient({
      timeoutMs: settings.coa.timeoutSeconds * 1000,
      retries: settings.coa.retries,
    })
    await client.start()
    try {
      return await fn({ sql, client, nas: (id) => directory.get(id), now })
    } finally {
      await client.close()
    }
  }
}
