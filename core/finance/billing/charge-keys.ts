import { sql, type SQL } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { textArray } from '../../../db/arrays.ts'

/**
 * A charge key ('service:12:2026-01-01', 'change:3:2026-02-10:credit', a pending charge's or a plugin's
 * source key) is held by the one live document line that billed it: an invoice line, or a credit note
 * line when a run's result was a credit. Voiding the document releases its keys (releasedAt) without
 * touching what it printed, so the charge can be billed again; partial unique indexes on both tables
 * keep a key on at most one live line of each, and these lookups are the only place that reads them.
 */

/** SQL: the key (an SQL expression) is held by a live line. */
export function keyIsLive(key: SQL): SQL {
  return sql`(exists (select 1 from invoice_items li where li.charge_key = ${key} and li.released_at is null)
    or exists (select 1 from credit_note_items lc where lc.charge_key = ${key} and lc.released_at is null))`
}

/** Which of these keys are held by a live line. */
export async function liveKeys(db: DbOrTx, keys: readonly string[]): Promise<Set<string>> {
  const list = [...new Set(keys)].filter((k) => typeof k === 'string')
  if (!list.length) return new Set()
  const found = await rows<{ k: string }>(
    db,
    sql`select charge_key as k from invoice_items where charge_key = any(${textArray(list)}) and released_at is null
        union select charge_key from credit_note_items where charge_key = any(${textArray(list)}) and released_at is null`,
  )
  return new Set(found.map((r) => r.k))
}

/**
 * Gives back the charges of a voided document, as Splynx does when an invoice is deleted: its lines
 * lose their hold on their keys (the lines themselves, keys included, stay as printed), and each
 * service billed on it is billed through the day before its first period there again, or counts as
 * never billed when that is its start (an activation fee comes back with it). The next run bills those
 * periods again; periods a later live document holds are left out by their keys (compute.ts), and
 * billedThrough never moves back over them (issue-batch.ts keeps the greatest).
 */
export async function releaseCharges(tx: DbOrTx, doc: { invoiceId: number } | { creditNoteId: number }, at: Date): Promise<void> {
  const [table, owner] = 'invoiceId' in doc ? [sql`invoice_items`, sql`invoice_id = ${doc.invoiceId}`] : [sql`credit_note_items`, sql`credit_note_id = ${doc.creditNoteId}`]
  await tx.execute(sql`update ${table} set released_at = ${at.toISOString()}::timestamptz
                       where ${owner} and charge_key is not null and released_at is null`)
  const first = sql`(select service_id, min(period_start) as first from ${table}
                     where ${owner} and charge_key like 'service:%' and service_id is not null and period_start is not null
                     group by service_id)`
  await tx.execute(sql`delete from service_billing b using ${first} r, services s
                       where b.service_id = r.service_id and s.id = r.service_id and r.first <= s.start_date`)
  await tx.execute(sql`update service_billing b set billed_through = least(b.billed_through, r.first - 1), updated_at = now()
                       from ${first} r where b.service_id = r.service_id`)
}
