/**
 * RADIUS for NAS devices (MikroTik PPPoE/hotspot/DHCP, BRAS): authentication, accounting and CoA /
 * Disconnect, in the same process as the panel. The protocol lives in protocol/, the UDP server in
 * server/, the database side in store/ (in-memory NAS and subscriber indexes, group-commit accounting)
 * and service/ (NAS registry, sessions, CoA, maintenance).
 */
import type { Sql } from 'postgres'
import { instanceKey, type PluginContext, type PluginDefinition } from '../../core/plugin-api.ts'
import { checkCaps } from './caps/check.ts'
import { radiusEventHandlers } from './events.ts'
import { PERMISSIONS } from './permissions.ts'
import { radiusRoutes } from './routes/index.ts'
import { radiusPortal } from './routes/portal.ts'
import { RadiusRuntime } from './runtime.ts'
import { defaultReplyPolicy, type ReplyPolicy } from './server/policy.ts'
import { RadiusSettings, replyPolicyFromSettings } from './settings.ts'
import { RadiusState } from './state.ts'
import { CapCheckQueue } from './store/cap-queue.ts'

export interface RadiusPluginOptions {
  /** Overrides the listener settings (tests: host 127.0.0.1, ports 0). Without it, tests never listen. */
  listener?: { host: string; authPort: number; acctPort: number }
  /** How often panel changes are picked up (default 250 ms). */
  changePollMs?: number
  /**
   * Data caps of the services whose usage an accounting commit raised are checked this long after it
   * (default 1000 ms; null: only by the radius:caps job, the default under NODE_ENV=test).
   */
  capCheckDelayMs?: number | null
}

const SETTINGS_REFRESH_MS = 5000

export function createRadiusPlugin(
  options: RadiusPluginOptions = {},
): PluginDefinition & { state: RadiusState } {
  const state = new RadiusState()
  let policy: ReplyPolicy = defaultReplyPolicy()
  let settingsTimer: NodeJS.Timeout | undefined
  let capChecks: CapCheckQueue | undefined

  async function start(ctx: PluginContext): Promise<void> {
    const settings = (await ctx.settings()) as unknown as RadiusSettings
    policy = replyPolicyFromSettings(settings)
    const listen = options.listener ?? {
      host: settings.listener.address,
      authPort: settings.listener.authPort,
      acctPort: settings.listener.acctPort,
    }
    if (!settings.listener.enabled) {
      state.notListening = 'the listener is turned off in the settings'
      return
    }
    if (!options.listener && ctx.config.NODE_ENV === 'test') {
      state.notListening = 'tests do not open the RADIUS ports unless asked'
      return
    }
    const runtime = new RadiusRuntime({
      sql: ctx.sql as Sql,
      instanceKey: await instanceKey(ctx),
      timeZone: ctx.config.TIME_ZONE,
      ...listen,
      receiveBufferBytes: settings.listener.receiveBufferBytes,
      duplicateCacheSeconds: settings.listener.duplicateCacheSeconds,
      policy: () => policy,
      now: () => ctx.clock.now().getTime(),
      changePollMs: options.changePollMs,
      coa: { timeoutMs: settings.coa.timeoutSeconds * 1000, retries: settings.coa.retries },
      onError: (err, context) => ctx.log.warn({ err, ...context }, 'radius: request failed'),
    })
    try {
      await runtime.start()
    } catch (err) {
      // The panel keeps running without RADIUS rather than failing to boot.
      state.notListening = `cannot listen on ${listen.host} UDP ${listen.authPort}/${listen.acctPort}: ${(err as Error).message}`
      ctx.log.error(
        { err },
        `RADIUS is NOT running: ${state.notListening}. Free the ports (or run with the privilege to bind ports below 1024), or change them in Settings > RADIUS, then restart.`,
      )
      await runtime.stop().catch(() => {})
      return
    }
    state.runtime = runtime
    state.notListening = undefined
    const capDelay =
      options.capCheckDelayMs !== undefined
        ? options.capCheckDelayMs
        : ctx.config.NODE_ENV === 'test'
          ? null
          : 1000
    if (capDelay !== null)
      runtime.accounting.onUsage = capChecks = new CapCheckQueue({
        check: (ids) => checkCaps(ctx, state, ids),
        relevant: (id) => runtime.subscribers.hasCap(id),
        delayMs: capDelay,
        onError: (err) => ctx.log.warn({ err }, 'radius: data cap check after accounting failed'),
      })
    ctx.log.info(
      {
        authPort: runtime.ports.authPort,
        acctPort: runtime.ports.acctPort,
        subscribers: runtime.subscribers.size,
      },
      'RADIUS listening',
    )
    const refresh = () => {
      settingsTimer = setTimeout(async () => {
        try {
          policy = replyPolicyFromSettings((await ctx.settings()) as unknown as RadiusSettings)
        } catch (err) {
          ctx.log.warn({ err }, 'radius: settings refresh failed')
        }
        if (settingsTimer) refresh()
      }, SETTINGS_REFRESH_MS)
      settingsTimer.unref?.()
    }
    refresh()
  }

  async function stop(): Promise<void> {
    clearTimeout(settingsTimer)
    settingsTimer = undefined
    const runtime = state.runtime
    // Checks not yet run are left to the radius:caps job.
    await capChecks?.stop()
    capChecks = undefined
    state.runtime = undefined
    await runtime?.stop()
  }

  return {
    name: 'radius',
    url: import.meta.url,
    title: 'RADIUS',
    settings: RadiusSettings,
    permissions: Object.values(PERMISSIONS),
    menu: [
      {
        section: 'Networking',
        label: 'Online sessions',
        href: '/admin/radius/sessions',
        permission: PERMISSIONS.sessionsView,
        order: 10,
      },
      {
        section: 'Networking',
        label: 'NAS',
        href: '/admin/radius/nas',
        permission: PERMISSIONS.nasView,
        order: 11,
      },
      {
        section: 'Networking',
        label: 'RADIUS auth log',
        href: '/admin/radius/auth-log',
        permission: PERMISSIONS.authLogView,
        order: 12,
      },
    ],
    routes: (app, ctx) => radiusRoutes(app, ctx, state),
    portalRoutes: radiusPortal,
    portalMenu: [{ label: 'Internet usage', href: '/portal/internet' }],
    customerTabs: [
      {
        id: 'radius-sessions',
        label: 'Sessions',
        permission: PERMISSIONS.sessionsView,
        href: (id) => `/admin/radius/customers/${id}/sessions`,
      },
    ],
    jobs: [
      {
        name: 'close-stale-sessions',
        every: '5 minutes',
        file: './jobs/close-stale-sessions.ts',
        description: 'Closes sessions with no accounting for several interim intervals',
      },
      {
        name: 'accounting-partitions',
        cron: '0 2 * * *',
        file: './jobs/accounting-partitions.ts',
        timeout: 0,
        description: 'Creates the monthly partitions of the raw accounting table ahead of time',
      },
      {
        name: 'caps',
        every: '1 minute',
        file: './jobs/caps.ts',
        description:
          'Applies data caps (reduce, fixed speed, block), top-ups, new periods and fair-usage speed windows',
      },
      {
        name: 'coa-retry',
        every: '1 minute',
        file: './jobs/coa-retry.ts',
        description:
          'Re-sends CoA / Disconnect requests the NAS did not answer, then gives them up as failed',
      },
      {
        name: 'prune-logs',
        cron: '30 3 * * *',
        file: './jobs/prune-logs.ts',
        description: 'Deletes auth log rows past their keep time',
      },
    ],
    on: radiusEventHandlers(state),
    start,
    stop,
    state,
  }
}

export default createRadiusPlugin()
