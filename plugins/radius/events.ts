/**
 * Domain events that change what a subscriber's session should be: blocking and unblocking (customer or
 * service) disconnect the sessions so the NAS re-authenticates them into or out of the restricted pool;
 * a plan change sends the new rate limit by CoA (a Disconnect where the NAS is not a MikroTik).
 * Delivery is at least once: radius_coa_requests keeps one row per (event, session), and a timeout
 * throws so the dispatcher retries later.
 */
import type { Sql } from 'postgres'
import type { DomainEvent, EventHandler, PluginContext } from '../../core/plugin-api.ts'
import { type CoaAction, type CoaOutcome, onlineSessions, sendToSessions } from './service/coa.ts'
import type { RadiusState } from './state.ts'
import { loadPlanEntry } from './store/subscriber-index.ts'

const RESTRICTED_CUSTOMER = new Set(['blocked', 'inactive'])
const NETWORK_FIELDS = ['login', 'ipv4Address', 'ipPool', 'nasId', 'mac']
const SPEED_FIELDS = [
  'downloadKbps',
  'uploadKbps',
  'burstPercent',
  'burstThresholdPercent',
  'burstTimeS',
  'priority',
]

export class CoaNotAnswered extends Error {
  constructor(readonly outcomes: CoaOutcome[]) {
    super(
      `${outcomes.filter((o) => o.status === 'timeout').length} CoA/Disconnect requests got no answer; will retry`,
    )
    this.name = 'CoaNotAnswered'
  }
}

async function act(
  state: RadiusState,
  ctx: PluginContext,
  event: DomainEvent,
  target: { serviceIds?: number[]; customerIds?: number[]; planIds?: number[] },
  action: CoaAction,
): Promise<CoaOutcome[]> {
  const sessions = await onlineSessions(ctx.sql as Sql, target)
  if (sessions.length === 0) return []
  const outcomes = await state.withCoa(ctx, (deps) =>
    sendToSessions(deps, sessions, action, `event:${event.id}`, event.type),
  )
  if (outcomes.some((o) => o.status === 'timeout')) throw new CoaNotAnswered(outcomes)
  return outcomes
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)

export function radiusEventHandlers(state: RadiusState): Record<string, EventHandler> {
  const disconnectCustomer: EventHandler = async (event, ctx) => {
    const customerId = num(event.payload.customerId)
    if (customerId !== undefined)
      await act(state, ctx, event, { customerIds: [customerId] }, { kind: 'disconnect' })
  }
  return {
    'customer.blocked': disconnectCustomer,
    'customer.unblocked': disconnectCustomer,
    'customer.status_changed': async (event, ctx) => {
      const { from, to } = event.payload as { from?: string; to?: string }
      if (RESTRICTED_CUSTOMER.has(String(from)) === RESTRICTED_CUSTOMER.has(String(to))) return
      await disconnectCustomer(event, ctx)
    },
    'service.status_changed': async (event, ctx) => {
      const { from, to, type } = event.payload as { from?: string; to?: string; type?: string }
      const serviceId = num(event.payload.serviceId)
      if (serviceId === undefined || (type !== undefined && type !== 'internet')) return
      if ((from === 'active') === (to === 'active')) return
      await act(state, ctx, event, { serviceIds: [serviceId] }, { kind: 'disconnect' })
    },
    'service.updated': async (event, ctx) => {
      const changed = (event.payload.changed as string[] | undefined) ?? []
      const serviceId = num(event.payload.serviceId)
      if (serviceId === undefined || !changed.some((f) => NETWORK_FIELDS.includes(f))) return
      await act(state, ctx, event, { serviceIds: [serviceId] }, { kind: 'disconnect' })
    },
    'plan.updated': async (event, ctx) => {
      const planId = num(event.payload.planId)
      const changed = (event.payload.changed as string[] | undefined) ?? []
      if (planId === undefined || !changed.some((f) => SPEED_FIELDS.includes(f))) return
      const plan = await loadPlanEntry(ctx.sql as Sql, planId)
      if (!plan?.rateLimit) return
      await act(state, ctx, event, { planIds: [planId] }, { kind: 'rate-limit', rateLimit: plan.rateLimit })
    },
    'service.plan_changed': async (event, ctx) => {
      const serviceId = num(event.payload.serviceId)
      const newPlan = event.payload.newPlan as { id?: number } | undefined
      if (serviceId === undefined || newPlan?.id === undefined) return
      const plan = await loadPlanEntry(ctx.sql as Sql, newPlan.id)
      const action: CoaAction = plan?.rateLimit
        ? { kind: 'rate-limit', rateLimit: plan.rateLimit }
        : { kind: 'disconnect' }
      await act(state, ctx, event, { serviceIds: [serviceId] }, action)
    },
  }
}
