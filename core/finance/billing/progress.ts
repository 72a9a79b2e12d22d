import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'

export interface RunProgress {
  status: string
  total: number
  done: number
  percent: number
}

/**
 * Progress of the latest runs (live view): a preview counts its stored customers against its total
 * when known, a commit counts the customers no longer pending.
 */
export async function runsProgress(db: DbOrTx, partnerIds: number[] | null, limit = 50): Promise<Record<string, RunProgress>> {
  const scope = partnerIds === null ? sql`true` : sql`r.partner_id in ${partnerIds.length ? partnerIds : [-1]}`
  const found = await rows<{ id: number; status: string; total: number; done: number }>(
    db,
    sql`select r.id, r.status::text as status, count(i.customer_id)::int as total,
          (count(i.customer_id) filter (where i.status <> 'pending'))::int as done
        from (select * from billing_runs r where ${scope} order by id desc limit ${limit}) r
        left join billing_run_items i on i.run_id = r.id
        group by r.id, r.status`,
  )
  const out: Record<string, RunProgress> = {}
  for (const r of found) {
    const percent =
      r.status === 'committing' ? (r.total ? Math.floor((r.done / r.total) * 100) : 0)
      : r.status === 'previewing' ? 0
      : 100
    out[r.id] = { status: r.status, total: r.total, done: r.done, percent }
  }
  return out
}
