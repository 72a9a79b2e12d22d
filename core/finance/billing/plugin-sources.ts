import type { FastifyBaseLogger } from 'fastify'
import type { AppContext } from '../../kernel/context.ts'
import type { JobContext } from '../../kernel/jobs/types.ts'
import { PluginHost } from '../../kernel/plugins/host.ts'
import { loadPlugins } from '../../kernel/plugins/load.ts'
import type { InvoiceItemSource } from './plugin-lines.ts'

/**
 * The enabled plugins that add invoice lines, loaded inside a job's worker thread (plugins live in the
 * main thread's memory, not the worker's): their definitions from config, their context from a host.
 */
export async function invoiceItemSources(ctx: JobContext): Promise<InvoiceItemSource[]> {
  const plugins = (await loadPlugins(ctx.config.plugins)).filter((p) => p.invoiceItems)
  if (!plugins.length) return []
  const appContext: AppContext = { ...ctx, log: ctx.log as unknown as FastifyBaseLogger }
  const host = new PluginHost(appContext, plugins)
  return plugins.map((plugin) => ({ plugin, context: host.contextFor(plugin) }))
}
