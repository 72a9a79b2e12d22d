import { ValidationError } from '../../kernel/errors.ts'
import { dec, isDecimalString, toFixed } from '../../kernel/money.ts'
import type { InvoiceItemDraft, PluginContext, PluginDefinition } from '../../kernel/plugins/define.ts'
import type { LineDraft } from './charges.ts'

/** A plugin that adds invoice lines, with the context its hook receives. */
export interface InvoiceItemSource {
  plugin: PluginDefinition
  context: PluginContext
}

/** Turns a plugin's drafts into lines, refusing money given as numbers or malformed, naming the field. */
export function pluginLines(plugin: string, drafts: readonly InvoiceItemDraft[], currency: string): LineDraft[] {
  return drafts.map((d, i) => {
    const at = (f: string) => `${plugin}.invoiceItems.${i}.${f}`
    const errors = []
    if (typeof d.sourceKey !== 'string' || !d.sourceKey.trim()) errors.push({ field: at('sourceKey'), message: 'is required' })
    if (typeof d.description !== 'string' || !d.description.trim()) errors.push({ field: at('description'), message: 'is required' })
    for (const f of ['quantity', 'unitPrice'] as const)
      if (typeof d[f] !== 'string' || !isDecimalString(d[f])) errors.push({ field: at(f), message: 'must be a decimal string' })
    if (!errors.length && dec(d.quantity).lte(0)) errors.push({ field: at('quantity'), message: 'must be greater than 0' })
    if (errors.length) throw new ValidationError(errors)
    return {
      kind: 'plugin' as const,
      description: d.description.trim(),
      serviceId: d.serviceId ?? null,
      planId: null,
      periodStart: d.periodStart ?? null,
      periodEnd: d.periodEnd ?? null,
      quantity: dec(d.quantity).toFixed(),
      unitPrice: dec(d.unitPrice).toFixed(),
      discountPercent: '0',
      amount: toFixed(dec(d.quantity).times(d.unitPrice), currency),
      taxRateId: d.taxRateId ?? null,
      chargeKey: d.sourceKey,
    }
  })
}

/**
 * Asks every plugin with an invoiceItems hook for a customer's lines of a period. Lines whose
 * sourceKey another plugin (or an earlier call) already gave, or that an issued invoice holds
 * (`invoiced`), are dropped: a re-run adds nothing twice.
 */
export async function collectPluginLines(
  sources: readonly InvoiceItemSource[],
  customer: { id: number; partnerId: number },
  period: { start: string; end: string },
  currency: string,
  seen: Set<string>,
): Promise<LineDraft[]> {
  const out: LineDraft[] = []
  for (const { plugin, context } of sources) {
    if (!plugin.invoiceItems) continue
    const drafts = await plugin.invoiceItems(customer, period, context)
    for (const l of pluginLines(plugin.name, drafts, currency)) {
      if (seen.has(l.chargeKey)) continue
      seen.add(l.chargeKey)
      out.push(l)
    }
  }
  return out
}
