import { existsSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context.ts'
import { readSetting, settingsKey, validateSettings } from '../../settings/service.ts'
import { asJsonSchema, fieldsWithoutDefault } from '../../settings/values.ts'
import type { JobSpec } from '../jobs/types.ts'
import type { Subscriber } from '../events/dispatcher.ts'
import type {
  CustomerTab,
  EventHandler,
  MenuItem,
  PaymentGateway,
  PluginContext,
  PluginDefinition,
} from './define.ts'

/** A plugin that cannot be loaded: bad name, duplicate, invalid settings, missing job file. */
export class PluginError extends Error {
  constructor(
    readonly plugin: string,
    message: string,
  ) {
    super(message)
    this.name = 'PluginError'
  }
}

export interface MenuSection {
  section: string
  items: MenuItem[]
}

/** Sections in the order an ISP's staff reads them; others follow alphabetically. */
const SECTION_ORDER = [
  'Dashboard',
  'Customers',
  'Tickets',
  'Finance',
  'Networking',
  'Inventory',
  'Voice',
  'Messages',
  'Administration',
]

const PLUGIN_NAME = /^[a-z][a-z0-9-]*$/
const CORE_NAME = /^core:[a-z][a-z0-9-]*$/

/**
 * Holds the loaded plugins and core modules (same contract): validates their settings at boot,
 * registers their routes in encapsulated scopes, merges menus and permissions, and hands jobs,
 * event handlers, invoice-item providers, payment gateways and customer tabs to their users.
 */
export class PluginHost {
  private readonly byName = new Map<string, PluginDefinition>()
  private readonly started = new Set<PluginDefinition>()
  private running = false

  constructor(
    readonly ctx: AppContext,
    readonly plugins: PluginDefinition[],
  ) {
    for (const plugin of plugins) {
      const name = plugin?.name
      if (typeof name !== 'string' || !(PLUGIN_NAME.test(name) || CORE_NAME.test(name))) {
        throw new PluginError(
          String(name),
          `Plugin name ${JSON.stringify(name)} is invalid: use lower-case letters, digits and dashes`,
        )
      }
      if (this.byName.has(name))
        throw new PluginError(name, `Plugin "${name}" is loaded twice: plugin names must be unique`)
      this.byName.set(name, plugin)
      this.checkDefinition(plugin)
    }
  }

  get(name: string): PluginDefinition | undefined {
    return this.byName.get(name)
  }

  /** The context a plugin's routes, handlers and hooks receive: the app context plus its name and settings. */
  contextFor(plugin: PluginDefinition): PluginContext {
    const key = settingsKey(plugin.name)
    const schema = plugin.settings ? asJsonSchema(plugin.settings) : undefined
    return {
      ...this.ctx,
      plugin: plugin.name,
      settings: async () => {
        if (!schema) return {}
        const { value, errors } = validateSettings(schema, await readSetting(this.ctx.db, key))
        if (errors.length) throw settingsError(plugin.name, key, errors)
        return value
      },
    }
  }

  /** Refuses to boot when any plugin's stored settings do not satisfy its schema, naming plugin and field. */
  async validateSettings(): Promise<void> {
    for (const plugin of this.plugins) {
      if (!plugin.settings) continue
      const key = settingsKey(plugin.name)
      const { errors } = validateSettings(asJsonSchema(plugin.settings), await readSetting(this.ctx.db, key))
      if (errors.length) throw settingsError(plugin.name, key, errors)
    }
  }

  /** Plugin routes in their own encapsulated scope each; portal routes under /portal. */
  async registerRoutes(app: FastifyInstance): Promise<void> {
    for (const plugin of this.plugins) {
      const pctx = this.contextFor(plugin)
      const { routes, portalRoutes } = plugin
      if (routes) await app.register(async (scope) => routes(scope, pctx))
      if (portalRoutes) await app.register(async (scope) => portalRoutes(scope, pctx), { prefix: '/portal' })
    }
  }

  /** Every permission any plugin or core module declares, sorted. */
  allPermissions(): string[] {
    return [...new Set(this.plugins.flatMap((p) => p.permissions ?? []))].sort()
  }

  /** Permissions grouped by the plugin that declares them (for the roles editor). */
  permissionsByPlugin(): { plugin: string; permissions: string[] }[] {
    return this.plugins
      .filter((p) => p.permissions?.length)
      .map((p) => ({ plugin: p.name, permissions: [...p.permissions!] }))
  }

  /** The whole menu, grouped by section and sorted. */
  menu(): MenuSection[] {
    return groupMenu(this.plugins.flatMap((p) => p.menu ?? []))
  }

  /** The menu an admin with these permissions sees. */
  menuFor(permissions: ReadonlySet<string> | readonly string[]): MenuSection[] {
    const has = permissions instanceof Set ? permissions : new Set(permissions as readonly string[])
    return groupMenu(this.plugins.flatMap((p) => p.menu ?? []).filter((item) => has.has(item.permission)))
  }

  /** Jobs of every plugin, named `<plugin>:<job>`, with their module files resolved. */
  jobs(): JobSpec[] {
    return this.plugins.flatMap((plugin) =>
      (plugin.jobs ?? []).map((job) => ({
        name: `${plugin.name}:${job.name}`,
        plugin: plugin.name,
        file: resolveJobFile(plugin, job.file, job.name),
        ...(job.every !== undefined ? { every: job.every } : {}),
        ...(job.cron !== undefined ? { cron: job.cron } : {}),
        ...(job.timeout !== undefined ? { timeout: job.timeout } : {}),
        ...(job.description !== undefined ? { description: job.description } : {}),
        settingsKey: settingsKey(plugin.name),
        ...(plugin.settings ? { settingsSchema: plugin.settings } : {}),
      })),
    )
  }

  /** Event subscribers: one per plugin with `on` handlers; the subscriber name is the plugin name. */
  subscribers(): Subscriber[] {
    return this.plugins
      .filter((p) => p.on && Object.keys(p.on).length > 0)
      .map((plugin) => {
        const handlers = plugin.on!
        return {
          name: plugin.name,
          ctx: this.contextFor(plugin),
          handlerFor: (type: string) => handlerFor(handlers, type),
        }
      })
  }

  invoiceItemProviders(): {
    plugin: string
    ctx: PluginContext
    provide: NonNullable<PluginDefinition['invoiceItems']>
  }[] {
    return this.plugins
      .filter((p) => p.invoiceItems)
      .map((p) => ({ plugin: p.name, ctx: this.contextFor(p), provide: p.invoiceItems! }))
  }

  paymentGateways(): { id: string; plugin: string; ctx: PluginContext; gateway: PaymentGateway }[] {
    return this.plugins
      .filter((p) => p.paymentGateway)
      .map((p) => ({ id: p.name, plugin: p.name, ctx: this.contextFor(p), gateway: p.paymentGateway! }))
  }

  paymentGateway(
    id: string,
  ): { id: string; plugin: string; ctx: PluginContext; gateway: PaymentGateway } | undefined {
    return this.paymentGateways().find((g) => g.id === id)
  }

  /** Tabs plugins add to the customer page, those this admin may see. */
  customerTabs(permissions?: ReadonlySet<string>): (CustomerTab & { plugin: string })[] {
    return this.plugins
      .flatMap((p) => (p.customerTabs ?? []).map((tab) => ({ ...tab, plugin: p.name })))
      .filter((tab) => !permissions || permissions.has(tab.permission))
  }

  /** Calls every `start` hook in load order; if one fails, those already started are stopped again. */
  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    for (const plugin of this.plugins) {
      if (!plugin.start) continue
      try {
        await plugin.start(this.contextFor(plugin))
      } catch (err) {
        await this.stop()
        throw new PluginError(
          plugin.name,
          `Plugin "${plugin.name}" failed to start: ${(err as Error).message}`,
        )
      }
      this.started.add(plugin)
    }
  }

  /** Calls `stop` in reverse load order on every plugin that started (or has no `start`). */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    for (const plugin of [...this.plugins].reverse()) {
      if (!plugin.stop || (plugin.start && !this.started.has(plugin))) continue
      try {
        await plugin.stop()
      } catch (err) {
        this.ctx.log.error({ err, plugin: plugin.name }, 'plugin stop failed')
      }
    }
    this.started.clear()
  }

  private checkDefinition(plugin: PluginDefinition): void {
    const name = plugin.name
    if (plugin.settings) {
      const missing = fieldsWithoutDefault(asJsonSchema(plugin.settings))
      if (missing.length) {
        throw new PluginError(
          name,
          `Plugin "${name}": settings field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')} need${missing.length > 1 ? '' : 's'} a default, so the plugin can boot before an admin configures it`,
        )
      }
    }
    for (const item of plugin.menu ?? []) {
      if (!item.permission)
        throw new PluginError(name, `Plugin "${name}": menu item "${item.label}" needs a permission`)
    }
    for (const tab of plugin.customerTabs ?? []) {
      if (!tab.permission)
        throw new PluginError(name, `Plugin "${name}": customer tab "${tab.id}" needs a permission`)
    }
    const jobNames = new Set<string>()
    for (const job of plugin.jobs ?? []) {
      if (!/^[a-z][a-z0-9-]*$/.test(job.name))
        throw new PluginError(
          name,
          `Plugin "${name}": job name "${job.name}" must be lower-case letters, digits and dashes`,
        )
      if (jobNames.has(job.name))
        throw new PluginError(name, `Plugin "${name}": job "${job.name}" is declared twice`)
      jobNames.add(job.name)
      if (job.every === undefined && job.cron === undefined)
        throw new PluginError(name, `Plugin "${name}": job "${job.name}" needs \`every\` or \`cron\``)
      resolveJobFile(plugin, job.file, job.name)
    }
  }
}

function settingsError(
  plugin: string,
  key: string,
  errors: { field: string; message: string }[],
): PluginError {
  return new PluginError(
    plugin,
    `Plugin "${plugin}" has invalid settings (stored under "${key}"): ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}. ` +
      'Fix them in Administration > Settings on another node, or in the settings table.',
  )
}

function handlerFor(handlers: Record<string, EventHandler>, type: string): EventHandler | undefined {
  if (handlers[type]) return handlers[type]
  // 'customer.*' matches 'customer.blocked'; the longest matching prefix wins, then '*'.
  let best: { len: number; handler: EventHandler } | undefined
  for (const [pattern, handler] of Object.entries(handlers)) {
    if (!pattern.endsWith('.*')) continue
    const prefix = pattern.slice(0, -1)
    if (type.startsWith(prefix) && (!best || prefix.length > best.len)) best = { len: prefix.length, handler }
  }
  return best?.handler ?? handlers['*']
}

function resolveJobFile(plugin: PluginDefinition, file: string | URL, job: string): string {
  let path: string
  if (file instanceof URL) path = fileURLToPath(file)
  else if (file.startsWith('file:')) path = fileURLToPath(file)
  else if (isAbsolute(file)) path = file
  else if (plugin.url) path = fileURLToPath(new URL(file, plugin.url))
  else {
    throw new PluginError(
      plugin.name,
      `Plugin "${plugin.name}": job "${job}" has a relative file "${file}" but the plugin has no \`url\`; add \`url: import.meta.url\` to definePlugin`,
    )
  }
  if (!existsSync(path))
    throw new PluginError(plugin.name, `Plugin "${plugin.name}": job "${job}" file not found: ${path}`)
  return path
}

function groupMenu(items: MenuItem[]): MenuSection[] {
  const sections = new Map<string, MenuItem[]>()
  for (const item of items) {
    const list = sections.get(item.section) ?? []
    list.push(item)
    sections.set(item.section, list)
  }
  const rank = (s: string) => {
    const i = SECTION_ORDER.indexOf(s)
    return i === -1 ? SECTION_ORDER.length : i
  }
  return [...sections.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([section, list]) => ({
      section,
      items: list.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.label.localeCompare(b.label)),
    }))
}
