import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../../../db/client.ts'
import { counterKey, formatNumber, parsePattern, type NumberValues } from '../numbering.ts'

/**
 * Takes `count` consecutive numbers of a series in one statement inside the caller's transaction:
 * the counter row moves by `count` and stays locked until the transaction ends, so a rollback gives
 * all of them back and the series stays gapless (counters.ts nextNumber takes one at a time).
 * Every document of the block must share the counter key (same year, partner, ... as the pattern
 * restarts on): group by `counterKey` first. Returns the formatted numbers in order.
 */
export async function reserveNumbers(
  tx: Tx,
  series: string,
  pattern: string,
  values: readonly NumberValues[],
): Promise<string[]> {
  if (!values.length) return []
  const parsed = parsePattern(pattern)
  const key = counterKey(parsed, values[0]!)
  for (const v of values)
    if (counterKey(parsed, v) !== key) throw new RangeError(`reserveNumbers: documents of counters ${key} and ${counterKey(parsed, v)} mixed`)
  const count = values.length
  const [row] = await rows<{ last: string }>(
    tx,
    sql`insert into document_counters (series, counter_key, last_value) values (${series}, ${key}, ${count})
        on conflict (series, counter_key) do update set last_value = document_counters.last_value + ${count}, updated_at = now()
        returning last_value::text as last`,
  )
  const last = Number(row!.last)
  const first = last - count + 1
  return values.map((v, i) => formatNumber(parsed, v, first + i))
}

/** Groups documents by the counter their numbers come from, keeping their order inside each group. */
export function byCounter<T>(items: readonly T[], pattern: string, valuesOf: (item: T) => NumberValues): Map<string, T[]> {
  const parsed = parsePattern(pattern)
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = counterKey(parsed, valuesOf(item))
    const list = groups.get(key) ?? []
    list.push(item)
    groups.set(key, list)
  }
  return groups
}
