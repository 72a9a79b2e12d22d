import type { FastifyInstance } from 'fastify'
import type { TObject } from 'typebox'
import type { AppContext } from '../context.ts'
import type { PortalMenuItem } from '../../portal/menu.ts'

export interface MenuItem {
  /** Menu section: Customers, Finance, Networking, Inventory, Messages, Administration, ... */
  section: string
  label: string
  href: string
  permission: string
  order?: number
}

export interface PluginJob {
  /** Job name inside the plugin; Bree runs it as `<plugin>:<name>`. */
  name: string
  /** Human interval ('5 minutes'), cron ('0 3 * * *') or milliseconds. */
  every?: string | number
  cron?: string
  /**
   * The job module, relative to the plugin's index.ts (resolved against `url`), or an absolute file URL.
   * It default-exports `async (ctx: JobContext, run: JobRunHandle) => result` (see kernel/jobs/types.ts).
   */
  file: string | URL
  /** Bree's `timeout`: delay before the first run (ms or human interval); false (default) waits for the schedule. */
  timeout?: number | string | false
  /** Shown on the jobs page. */
  description?: string
}

export interface DomainEvent<P = Record<string, unknown>> {
  id: bigint
  type: string
  payload: P
  createdAt: Date
}

export interface PluginContext extends AppContext {
  plugin: string
  /** This plugin's settings, validated against its schema and filled with defaults. */
  settings(): Promise<Record<string, unknown>>
}

export type EventHandler = (event: DomainEvent, ctx: PluginContext) => Promise<void>

export interface InvoiceItemDraft {
  description: string
  /** Decimal strings; never JS numbers for money. */
  quantity: string
  unitPrice: string
  taxRateId?: number | null
  /** Idempotency key so a re-run adds nothing twice (e.g. 'voice:2026-10:service-12'). */
  sourceKey: string
  serviceId?: number | null
  periodStart?: string
  periodEnd?: string
}

export interface BillingPeriod {
  start: string
  end: string
}

export interface PaymentGateway {
  /** Shown to admins and customers. */
  title: string
  purchase?(input: Record<string, unknown>, ctx: PluginContext): Promise<Record<string, unknown>>
  refund?(input: Record<string, unknown>, ctx: PluginContext): Promise<Record<string, unknown>>
  status?(input: Record<string, unknown>, ctx: PluginContext): Promise<Record<string, unknown>>
  webhook?(
    request: { headers: Record<string, unknown>; rawBody: Buffer },
    ctx: PluginContext,
  ): Promise<Record<string, unknown>>
}

export interface CustomerTab {
  id: string
  label: string
  permission: string
  href: (customerId: number) => string
}

export interface PluginDefinition {
  /** Lower-case folder name (`[a-z0-9-]+`); core modules use `core:<domain>`. */
  name: string
  /** `import.meta.url` of the plugin's index.ts; relative job files resolve against it. loadPlugins fills it in. */
  url?: string
  /** Shown in the settings page above the plugin's form. */
  title?: string
  settings?: TObject
  permissions?: string[]
  menu?: MenuItem[]
  /** Panel pages and JSON API of the plugin, in an encapsulated scope; paths are absolute (/admin/..., /api/v1/...). */
  routes?: (app: FastifyInstance, ctx: PluginContext) => Promise<void>
  /** Customer portal pages, mounted under /portal. */
  portalRoutes?: (app: FastifyInstance, ctx: PluginContext) => Promise<void>
  /** Entries of the portal's navigation for those pages (after the core's, before "My details"). */
  portalMenu?: PortalMenuItem[]
  jobs?: PluginJob[]
  /** Event handlers: at-least-once delivery, so each must be idempotent. */
  on?: Record<string, EventHandler>
  invoiceItems?: (
    customer: { id: number; partnerId: number },
    period: BillingPeriod,
    ctx: PluginContext,
  ) => Promise<InvoiceItemDraft[]>
  paymentGateway?: PaymentGateway
  /** Tabs this plugin adds to the customer page. */
  customerTabs?: CustomerTab[]
  start?: (ctx: PluginContext) => Promise<void>
  stop?: () => Promise<void>
}

/** Identity function that types a plugin's definition. */
export function definePlugin(def: PluginDefinition): PluginDefinition {
  return def
}
