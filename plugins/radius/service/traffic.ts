/** A customer's internet services with their daily traffic over the last days, for the portal and the panel. */
import type { Sql } from 'postgres'
import type { Temporal } from 'temporal-polyfill'
import { serviceUsage } from './sessions.ts'
import { fillDays, type TrafficDay, type TrafficTotals, totals, trafficChart } from './usage-chart.ts'

export const TRAFFIC_DAYS = 30

export interface ServiceTraffic {
  id: number
  login: string | null
  description: string
  status: string
  days: TrafficDay[]
  totals: TrafficTotals
  /** Inline SVG. */
  chart: string
}

/** Every internet service of the customer, oldest first, with `days` days of traffic ending `today`. */
export async function customerTraffic(
  sql: Sql,
  customerId: number,
  today: Temporal.PlainDate,
  days = TRAFFIC_DAYS,
): Promise<ServiceTraffic[]> {
  const from = today.subtract({ days: days - 1 }).toString()
  const to = today.toString()
  const services = await sql<{ id: number; login: string | null; description: string; status: string }[]>`
    select id, login, description, status::text as status from services
    where customer_id = ${customerId} and type = 'internet' order by id`
  return Promise.all(
    services.map(async (s) => {
      const filled = fillDays(await serviceUsage(sql, s.id, from, to), from, to)
      const name = s.login ?? s.description
      return {
        ...s,
        days: filled,
        totals: totals(filled),
        chart: trafficChart(filled, { title: `Daily traffic of ${name}, ${from} to ${to}` }),
      }
    }),
  )
}
