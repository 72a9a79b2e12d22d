import { PassThrough } from 'node:stream'
import t from 'tap'
import type { PdfDocument, PdfInvoiceDocument } from '../../../../core/finance/pdf/document.ts'
import { PdfRenderPool } from '../../../../core/finance/pdf/pool.ts'
import { renderPdf } from '../../../../core/finance/pdf/render.ts'
import { sampleDocument, sampleLogo } from '../../../../core/finance/pdf/sample.ts'
import { readStoredZip } from '../../../../core/finance/pdf/zip-entries.ts'
import { safeFileName, writePdfZip } from '../../../../core/finance/pdf/zip.ts'
import { ValidationError } from '../../../../core/kernel/errors.ts'

async function zipOf(documents: Iterable<PdfDocument> | AsyncIterable<PdfDocument>) {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const result = await writePdfZip(documents, out, { pool })
  return { result, zip: Buffer.concat(chunks) }
}

const logo = sampleLogo()
const KINDS = ['invoice', 'proforma', 'credit_note', 'receipt', 'statement'] as const
const documents = Array.from({ length: 8 }, (_, i) =>
  sampleDocument({ seed: i + 1, kind: KINDS[i % 5], logo }),
)
// One pool for the file: starting workers is the slow part of these tests.
const pool = new PdfRenderPool({ workers: 2 })
t.teardown(() => pool.close())

t.test('the ZIP holds one valid PDF per document, in order, equal to a single render', async (t) => {
  const { result, zip } = await zipOf(documents)
  const entries = readStoredZip(zip)
  t.equal(entries.length, 8)
  t.same(result, { files: 8, pdfBytes: entries.reduce((a, e) => a + e.data.length, 0), zipBytes: zip.length })
  for (const [i, entry] of entries.entries()) {
    const doc = documents[i]!
    t.equal(entry.name, `${doc.kind}-${doc.number}.pdf`)
    t.equal(entry.data.toString('latin1', 0, 5), '%PDF-', `${entry.name} starts as a PDF`)
    t.ok(entry.data.toString('latin1').trimEnd().endsWith('%%EOF'), `${entry.name} is complete`)
    t.ok(entry.data.equals(await renderPdf(doc)), `${entry.name} is the single render's bytes`)
    const [y, m, d] = doc.issueDate.split('-').map(Number) as [number, number, number]
    t.equal(entry.mtime.date, ((y - 1980) << 9) | (m << 5) | d, `${entry.name} is dated its date of issue`)
  }

  const again = await zipOf(documents)
  t.ok(again.zip.equals(zip), 'the same documents give the same ZIP byte for byte')
})

t.test('documents may come from an async source; names are made safe and unique', async (t) => {
  const base = sampleDocument({ seed: 3, language: 'pl', logo: null }) as PdfInvoiceDocument
  async function* source() {
    yield { ...base, number: 'FV/2026/07/001' }
    yield { ...base, number: 'FV/2026/07/001' }
    yield { ...base, number: '../../etc/passwd' }
  }
  const entries = readStoredZip((await zipOf(source())).zip)
  t.same(
    entries.map((e) => e.name),
    ['invoice-FV_2026_07_001.pdf', 'invoice-FV_2026_07_001-2.pdf', 'invoice-_etc_passwd.pdf'],
  )
  t.equal(safeFileName('Рахунок №5 / ąę.pdf'), 'Рахунок_5_ąę.pdf', 'letters of any script are kept')
})

t.test('a bad document fails the whole ZIP with the field named, and destroys the output', async (t) => {
  const bad = { ...(documents[0] as PdfInvoiceDocument) }
  bad.lines = [{ ...bad.lines[0]!, net: '12,50' }]
  const out = new PassThrough()
  out.resume()
  const err = await writePdfZip([documents[1]!, bad, documents[2]!], out, { pool }).catch((e: unknown) => e)
  t.ok(err instanceof ValidationError, 'ValidationError')
  t.same((err as ValidationError).fields, [{ field: 'lines[0].net', message: 'must be a decimal string' }])
  t.ok(out.destroyed, 'the output is destroyed, not left as a truncated ZIP')
  t.ok((await pool.render(documents[0]!)).length > 0, 'the pool is still usable')
})

t.test('a pool started for the ZIP is closed after it', async (t) => {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const result = await writePdfZip(documents.slice(0, 3), out, { workers: 1 })
  t.equal(result.files, 3)
  t.equal(readStoredZip(Buffer.concat(chunks)).length, 3)
})

t.test('an aborted signal stops the ZIP', async (t) => {
  const controller = new AbortController()
  controller.abort()
  const out = new PassThrough()
  out.resume()
  await t.rejects(writePdfZip(documents, out, { pool, signal: controller.signal }), { name: 'AbortError' })
  t.ok(out.destroyed)
})
