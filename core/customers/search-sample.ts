import { rawRows, type DbOrTx } from '../../db/client.ts'
import type { Actor } from '../partners/scope.ts'
import type { CustomerQuery } from './search.ts'

/*
 * How many customers a search matches, estimated from a random sample of the table held in memory.
 *
 * PostgreSQL's estimate for `LIKE '%word%'` is a heuristic (every term of one length gets the same
 * guess: 1,010 expected for a word with 198 matches, 163 for two words with 3,611), and the plan it picks
 * from that guess decides whether a search costs 0.3 ms or 50 ms. The sample is evaluated with the
 * search's own predicate, so its error is only sampling error: a term matching 2 % of the table is
 * missed by a 2,000-row sample with a probability of 1e-9. The list uses the estimate to choose how to
 * read the matches and to show "about N" for broad searches; the rows themselves always come from the
 * table, so a stale sample costs speed, never correctness.
 */

/** Rows kept per table; every row when the table is smaller. */
export const SAMPLE_SIZE = 2000
/** A sample older than this is reloaded in the background while the old one keeps answering. */
const MAX_AGE_MS = 5 * 60_000

interface SampleRow {
  id: number
  text: string
  partnerId: number | null
  status: string
  category: string
  city: string
}

interface Sample {
  rows: SampleRow[]
  /** For each three-character slice of the texts, the rows holding it, ascending: a trigram index in miniature. */
  grams: Map<string, number[]>
  /** Rows in the table when the sample was taken. */
  tableRows: number
  loadedAt: number
  reloading: Promise<Sample> | null
}

const samples = new WeakMap<object, Sample | Promise<Sample>>()

async function load(db: DbOrTx): Promise<Sample> {
  const [stat] = await rawRows<{ n: number }>(db, `select reltuples::float8 as n from pg_class where oid = 'customers'::regclass`)
  const planned = Number(stat?.n ?? -1)
  const columns = `id, search_text as "text", partner_id as "partnerId", status, category, lower(coalesce(city, '')) as "city"`
  // A small or never-analysed table is read whole; a big one through a row-level random sample.
  const whole = planned < SAMPLE_SIZE * 4
  const found = await rawRows<SampleRow>(
    db,
    whole
      ? `select ${columns} from customers`
      : `select ${columns} from customers tablesample bernoulli (${((100 * SAMPLE_SIZE) / planned).toFixed(6)})`,
  )
  let rows = found
  if (whole && rows.length > SAMPLE_SIZE) {
    rows = []
    // Every k-th row of the whole table: an even spread without another round trip.
    const step = found.length / SAMPLE_SIZE
    for (let i = 0; i < SAMPLE_SIZE; i++) rows.push(found[Math.floor(i * step)]!)
  }
  return {
    rows,
    grams: trigrams(rows),
    tableRows: whole ? found.length : Math.max(planned, found.length),
    loadedAt: Date.now(),
    reloading: null,
  }
}

function trigrams(rows: SampleRow[]): Map<string, number[]> {
  const grams = new Map<string, number[]>()
  rows.forEach((row, i) => {
    for (let j = 0; j + 3 <= row.text.length; j++) {
      const gram = row.text.slice(j, j + 3)
      const list = grams.get(gram)
      if (!list) grams.set(gram, [i])
      else if (list[list.length - 1] !== i) list.push(i)
    }
  })
  return grams
}

async function sampleOf(db: DbOrTx): Promise<Sample> {
  const held = samples.get(db)
  if (held === undefined) {
    const loading = load(db)
    samples.set(db, loading)
    try {
      const sample = await loading
      samples.set(db, sample)
      return sample
    } catch (err) {
      samples.delete(db)
      throw err
    }
  }
  const sample = await held
  if (Date.now() - sample.loadedAt > MAX_AGE_MS) reload(db, sample)
  return sample
}

/** Takes a new sample in the background; the current one answers until it is ready. */
function reload(db: DbOrTx, sample: Sample): void {
  if (sample.reloading) return
  sample.reloading = load(db)
  sample.reloading.then(
    (next) => {
      if (samples.get(db) === sample) samples.set(db, next)
    },
    () => {
      sample.reloading = null
    },
  )
}

/** The result of a search told the sample was wrong by far (the table grew or changed): take a new one. */
export function sampleWasWrong(db: DbOrTx): void {
  const held = samples.get(db)
  if (held && !(held instanceof Promise)) reload(db, held)
}

/** Drops the sample of a database handle, so the next search takes a new one at once. */
export function forgetSample(db: DbOrTx): void {
  samples.delete(db)
}

/** The words a search looks for: lower-cased, at most eight. */
export function searchWords(q: string | undefined): string[] {
  return (q ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)
}

/** A single number is also a customer id. */
export const isIdTerm = (words: string[]): boolean => words.length === 1 && /^\d{1,9}$/.test(words[0]!)

/** The list's filters (all but the words) as a test of one sampled row: the same conditions as the SQL in search.ts. */
function filterTest(actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): ((row: SampleRow) => boolean) | null {
  const tests: ((row: SampleRow) => boolean)[] = []
  if (actor.partnerIds !== null) {
    const allowed = new Set(actor.partnerIds)
    tests.push((r) => r.partnerId !== null && allowed.has(r.partnerId))
  }
  if (query.partnerId !== undefined) tests.push((r) => r.partnerId === query.partnerId)
  if (query.status) tests.push((r) => r.status === query.status)
  if (query.category) tests.push((r) => r.category === query.category)
  const city = query.city?.trim().toLowerCase()
  if (city) tests.push((r) => r.city === city)
  return tests.length ? (row) => tests.every((test) => test(row)) : null
}

/** The sampled rows whose text holds the word: the rows of its rarest trigram, each checked. */
function rowsWith(sample: Sample, word: string): number[] {
  const { rows, grams } = sample
  if (word.length < 3) return rows.flatMap((row, i) => (row.text.includes(word) ? [i] : []))
  let rarest: number[] | undefined
  for (let j = 0; j + 3 <= word.length; j++) {
    const list = grams.get(word.slice(j, j + 3))
    if (!list) return []
    if (!rarest || list.length < rarest.length) rarest = list
  }
  return rarest!.filter((i) => rows[i]!.text.includes(word))
}

/** How many sampled rows the list's conditions match. */
function matching(sample: Sample, actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): number {
  const filter = filterTest(actor, query)
  const words = searchWords(query.q)
  const { rows } = sample
  if (words.length === 0) {
    if (!filter) return rows.length
    let n = 0
    for (const row of rows) if (filter(row)) n++
    return n
  }
  // The longest word first: it has the rarest trigrams, and the others are checked on its rows only.
  const [first, ...rest] = [...words].sort((a, b) => b.length - a.length)
  let candidates = rowsWith(sample, first!)
  if (isIdTerm(words)) {
    const id = Number(words[0])
    const byId = rows.findIndex((r) => r.id === id)
    if (byId >= 0 && !candidates.includes(byId)) candidates.push(byId)
  }
  for (const w of rest) candidates = candidates.filter((i) => rows[i]!.text.includes(w))
  return filter ? candidates.filter((i) => filter(rows[i]!)).length : candidates.length
}

export interface MatchEstimate {
  /** Estimated matches in the whole table. */
  matches: number
  /** Rows in the table when the sample was taken. */
  tableRows: number
}

/** How many customers the list's conditions match, estimated from the sample. */
export async function estimateMatches(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): Promise<MatchEstimate> {
  const sample = await sampleOf(db)
  if (sample.rows.length === 0) return { matches: 0, tableRows: sample.tableRows }
  const hits = matching(sample, actor, query)
  return { matches: Math.round((hits * sample.tableRows) / sample.rows.length), tableRows: sample.tableRows }
}
