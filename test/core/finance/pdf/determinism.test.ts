import t from 'tap'
import type { PdfInvoiceDocument } from '../../../../core/finance/pdf/document.ts'
import { PdfRenderPool } from '../../../../core/finance/pdf/pool.ts'
import { renderPdf } from '../../../../core/finance/pdf/render.ts'
import { sampleDocument } from '../../../../core/finance/pdf/sample.ts'

t.test('the same document renders to the same bytes, whatever was rendered before', async (t) => {
  const doc = sampleDocument({ language: 'uk', seed: 42 })
  const first = await renderPdf(doc)
  const second = await renderPdf(structuredClone(doc))
  t.ok(first.equals(second), 'twice in a row')
  // Other documents in between fill the shared font and layout caches with other glyphs and words.
  for (const language of ['pl', 'es', 'en'] as const)
    await renderPdf(sampleDocument({ language, seed: 7, lines: 40 }))
  t.ok(first.equals(await renderPdf(doc)), 'after other documents')

  const statement = sampleDocument({ kind: 'statement', language: 'pl', seed: 3, status: 'paid' })
  t.ok((await renderPdf(statement)).equals(await renderPdf(statement)), 'a statement with a watermark too')
})

t.test('the PDF dates and ID come from the date of issue, not from the clock', async (t) => {
  const doc = sampleDocument({ language: 'es', seed: 8, issueDate: '2026-02-14' })
  const raw = (await renderPdf(doc)).toString('latin1')
  t.match(raw, /\(D:20260214000000Z\)/, 'CreationDate/ModDate are the day of issue')
  t.equal(raw.match(/\(D:\d{14}Z\)/g)?.length, 2, 'exactly two dates')
  t.match(raw, /\/Producer \d+ 0 R/, 'info fields are set explicitly')
  t.notMatch(raw, /PDFKit/, 'nothing says which library or version wrote it')
  const later = (await renderPdf({ ...doc, issueDate: '2026-02-15' })).toString('latin1')
  const id = (s: string) => /\/ID \[<([0-9a-f]+)>/.exec(s)?.[1]
  t.not(id(raw), id(later), 'another date of issue gives another file ID')
})

t.test('a worker thread renders the same bytes as the main thread', async (t) => {
  const pool = new PdfRenderPool({ workers: 1 })
  t.teardown(() => pool.close())
  const docs = [
    sampleDocument({ language: 'pl', seed: 1 }),
    sampleDocument({ kind: 'statement', language: 'uk', seed: 2 }),
  ]
  for (const doc of docs) {
    const [inWorker, inMain] = await Promise.all([pool.render(doc), renderPdf(doc)])
    t.ok(inWorker.equals(inMain), `${doc.kind} ${doc.language}`)
  }
  const bad = { ...(docs[0] as PdfInvoiceDocument), issueDate: '2026-13-01' }
  await t.rejects(
    pool.render(bad),
    { name: 'ValidationError', fields: [{ field: 'issueDate' }] },
    'errors come back typed',
  )
  t.ok((await pool.render(docs[0]!)).equals(await renderPdf(docs[0]!)), 'the worker goes on after an error')
})
