/**
 * Mass generation: many documents rendered on every core and streamed into one ZIP, in the order they
 * come. Entries are stored, not deflated (a PDF's streams are compressed already), dated with each
 * document's date of issue, so the same documents give the same ZIP byte for byte. yazl switches to
 * ZIP64 by itself past 65,535 files or 4 GiB.
 */
import { type Readable, Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ZipFile } from 'yazl'
import type { PdfDocument } from './document.ts'
import { PdfRenderPool } from './pool.ts'

export interface PdfZipOptions {
  /** A pool to render with (kept open); without one, a pool is started for this ZIP and closed after. */
  pool?: PdfRenderPool
  /** Worker threads of the pool started for this ZIP; default one per core. */
  workers?: number
  /** The entry's name; default `<kind>-<number>.pdf`. Names are made safe and unique either way. */
  fileName?: (document: PdfDocument) => string
  /** Stops at the next document; the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

export interface PdfZipResult {
  files: number
  /** Bytes of PDF put in the ZIP. */
  pdfBytes: number
  /** Bytes of the ZIP written to the output. */
  zipBytes: number
}

/** Documents rendered ahead of the one the ZIP waits for, per worker. */
const AHEAD_PER_WORKER = 8
/** Bytes the ZIP may have been given beyond what the output took, before rendering waits. */
const MAX_BACKLOG = 64 * 1024 * 1024

export function defaultPdfFileName(document: PdfDocument): string {
  return `${document.kind}-${document.number}.pdf`
}

/** Keeps letters (any script), digits, dash and underscore, and one extension; the rest becomes "_". */
export function safeFileName(name: string): string {
  const normalized = name.normalize('NFC')
  const ext = /\.[\p{L}\p{N}]{1,8}$/u.exec(normalized)?.[0] ?? ''
  const stem = normalized
    .slice(0, normalized.length - ext.length)
    .replace(/[^\p{L}\p{N}_-]+/gu, '_')
    .replace(/_+/g, '_')
  return (stem || 'document').slice(0, 150) + ext
}

function uniqueNamer(): (name: string) => string {
  const used = new Set<string>()
  return (name) => {
    let candidate = name
    const dot = name.lastIndexOf('.')
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}${ext}`
    used.add(candidate.toLowerCase())
    return candidate
  }
}

/**
 * Renders every document and writes one ZIP of their PDFs to `out`, which is ended when done.
 * Resolves when the ZIP is completely written; rejects (and destroys `out`) on the first failure.
 */
export async function writePdfZip(
  documents: Iterable<PdfDocument> | AsyncIterable<PdfDocument>,
  out: NodeJS.WritableStream,
  options: PdfZipOptions = {},
): Promise<PdfZipResult> {
  const pool = options.pool ?? new PdfRenderPool(options.workers ? { workers: options.workers } : {})
  const zip = new ZipFile()
  const nameOf = options.fileName ?? defaultPdfFileName
  const unique = uniqueNamer()
  let zipBytes = 0
  let pdfBytes = 0
  let files = 0
  let wake: (() => void) | null = null
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      zipBytes += chunk.length
      wake?.()
      done(null, chunk)
    },
  })
  const written = pipeline(zip.outputStream, counter, out)
  // Keep the rejection for the await below, not as an unhandled one while documents render.
  written.catch(() => {})

  const ahead: Array<{ document: PdfDocument; pdf: Promise<Buffer> }> = []
  const add = async () => {
    const next = ahead.shift()!
    const pdf = await next.pdf
    zip.addBuffer(pdf, unique(safeFileName(nameOf(next.document))), {
      compress: false,
      mtime: new Date(`${next.document.issueDate}T00:00:00Z`),
    })
    pdfBytes += pdf.length
    files++
    while (pdfBytes - zipBytes > MAX_BACKLOG) {
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), written])
      wake = null
    }
  }
  try {
    for await (const document of documents) {
      options.signal?.throwIfAborted()
      const pdf = pool.render(document)
      pdf.catch(() => {}) // awaited in order by add(); an early failure must not go unhandled meanwhile
      ahead.push({ document, pdf })
      if (ahead.length >= pool.size * AHEAD_PER_WORKER) await add()
    }
    while (ahead.length > 0) {
      options.signal?.throwIfAborted()
      await add()
    }
    zip.end()
    await written
    return { files, pdfBytes, zipBytes }
  } catch (err) {
    ;(zip.outputStream as Readable).destroy(err as Error)
    // pipeline() would destroy `out` too, but only on a later tick: do it now, so a caller never sees
    // a live stream of a ZIP that will not be finished.
    ;(out as Writable).destroy?.(err as Error)
    throw err
  } finally {
    if (!options.pool) await pool.close()
  }
}
