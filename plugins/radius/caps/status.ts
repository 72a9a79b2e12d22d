/** The data caps of a customer's services for the panel: plan cap, top-ups bought, use, capped or not. */
import type { Sql } from 'postgres'

export interface ServiceCap {
  serviceId: number
  login: string
  planName: string
  capMb: number
  capDirection: string
  capAction: string
  periodStart: string | null
  topUpMb: number
  usedBytes: string
  capped: boolean
  topUps: { name: string; mb: number; price: string }[]
}

export function customerCaps(sql: Sql, customerId: number): Promise<ServiceCap[]> {
  return sql<ServiceCap[]>`
    select s.id as "serviceId", s.login, p.name as "planName", p.cap_mb::int as "capMb",
      coalesce(p.cap_direction::text, 'both') as "capDirection", p.cap_action::text as "capAction",
      cs.period_start::text as "periodStart", coalesce(cs.top_up_mb, 0)::int as "topUpMb",
      coalesce(cs.used_bytes, 0)::text as "usedBytes", cs.capped_at is not null as capped, p.top_ups as "topUps"
    from services s join plans p on p.id = s.plan_id left join radius_cap_state cs on cs.service_id = s.id
    where s.customer_id = ${customerId} and s.type = 'internet' and p.cap_mb is not null
    order by s.id`
}
