import { and, eq, sql } from 'drizzle-orm'
import type { DbOrTx, Tx } from '../../db/client.ts'
import { ValidationError } from '../kernel/errors.ts'
import { counterKey, formatNumber, parsePattern, type NumberValues } from './numbering.ts'
import { documentCounters } from './schema.ts'

export interface IssuedNumber {
  /** The formatted document number. */
  number: string
  /** The running number behind {next}. */
  sequence: number
  counterKey: string
}

function checkSeries(series: string): string {
  if (typeof series !== 'string' || !/^[a-z][a-z0-9_:.-]{0,63}$/.test(series)) {
    throw new ValidationError([
      { field: 'series', message: `"${series}" is not a series name (a-z, 0-9, _ : . -)` },
    ])
  }
  return series
}

/**
 * Takes the next number of a series inside the caller's transaction (the issuing one). The upsert
 * locks the counter row until that transaction ends: a concurrent issuer waits, and a rollback
 * returns the number, so the series stays gapless. Takes a Tx, not a Db, on purpose.
 */
export async function nextNumber(
  tx: Tx,
  series: string,
  pattern: string,
  values: NumberValues,
): Promise<IssuedNumber> {
  const parsed = parsePattern(pattern)
  const key = counterKey(parsed, values)
  const [row] = await tx
    .insert(documentCounters)
    .values({ series: checkSeries(series), counterKey: key, lastValue: 1 })
    .onConflictDoUpdate({
      target: [documentCounters.series, documentCounters.counterKey],
      set: { lastValue: sql`${documentCounters.lastValue} + 1`, updatedAt: sql`now()` },
    })
    .returning({ lastValue: documentCounters.lastValue })
  const sequence = row!.lastValue
  return { number: formatNumber(parsed, values, sequence), sequence, counterKey: key }
}

/** The number the next document would get, without taking it (invoice previews). */
export async function peekNextNumber(
  db: DbOrTx,
  series: string,
  pattern: string,
  values: NumberValues,
): Promise<IssuedNumber> {
  const parsed = parsePattern(pattern)
  const key = counterKey(parsed, values)
  const [row] = await db
    .select({ lastValue: documentCounters.lastValue })
    .from(documentCounters)
    .where(and(eq(documentCounters.series, checkSeries(series)), eq(documentCounters.counterKey, key)))
  const sequence = (row?.lastValue ?? 0) + 1
  return { number: formatNumber(parsed, values, sequence), sequence, counterKey: key }
}

/**
 * Moves a counter forward so numbering continues after documents issued elsewhere (a migration from
 * another system). It never moves back: that would hand out numbers twice.
 */
export async function advanceCounter(
  tx: Tx,
  series: string,
  pattern: string,
  values: NumberValues,
  lastValue: number,
): Promise<void> {
  if (!Number.isSafeInteger(lastValue) || lastValue < 0) {
    throw new ValidationError([{ field: 'lastValue', message: 'must be a whole number, 0 or more' }])
  }
  const key = counterKey(parsePattern(pattern), values)
  const [row] = await tx
    .insert(documentCounters)
    .values({ series: checkSeries(series), counterKey: key, lastValue })
    .onConflictDoUpdate({
      target: [documentCounters.series, documentCounters.counterKey],
      set: {
        lastValue: sql`greatest(${documentCounters.lastValue}, excluded.last_value)`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ lastValue: documentCounters.lastValue })
  if (row!.lastValue !== lastValue) {
    throw new ValidationError([
      {
        field: 'lastValue',
        message: `the counter is already at ${row!.lastValue}; it can only move forward`,
      },
    ])
  }
}
