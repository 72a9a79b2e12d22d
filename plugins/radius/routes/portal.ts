/** Customer portal: the signed-in customer's internet services with their daily traffic (GET /portal/internet). */
import type { FastifyInstance } from 'fastify'
import type { Sql } from 'postgres'
import { type PluginContext, render, UnauthorizedError } from '../../../core/plugin-api.ts'
import { customerTraffic, TRAFFIC_DAYS } from '../service/traffic.ts'
import { formatBytes } from '../service/usage-chart.ts'

export async function radiusPortal(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get('/internet', { schema: { hide: true } }, async (request, reply) => {
    const customer = request.customer
    if (!customer) throw new UnauthorizedError('Please sign in to the customer portal')
    // Only ever the signed-in customer's own services: the id comes from the session, not the URL.
    const services = await customerTraffic(ctx.sql as Sql, customer.id, ctx.clock.today())
    return render(reply, 'plugins/radius/views/portal-traffic.eta', {
      title: 'Internet usage',
      services,
      days: TRAFFIC_DAYS,
      formatBytes,
    })
  })
}
