import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { PdfInvoiceDocument, PdfStatementDocument } from '../../../../core/finance/pdf/document.ts'
import { fontDirectory, pdfFonts } from '../../../../core/finance/pdf/fonts.ts'
import { renderPdf } from '../../../../core/finance/pdf/render.ts'
import { sampleDocument } from '../../../../core/finance/pdf/sample.ts'
import { AppError, ValidationError } from '../../../../core/kernel/errors.ts'

const invoice = () => structuredClone(sampleDocument({ seed: 5, language: 'en' })) as PdfInvoiceDocument

async function fieldsOf(doc: unknown): Promise<string[]> {
  const err = await renderPdf(doc as PdfInvoiceDocument).catch((e: unknown) => e)
  if (!(err instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(err)}`)
  return err.fields.map((f) => f.field)
}

t.test('malformed documents are refused, naming every bad field', async (t) => {
  const a = invoice()
  ;(a.lines[0] as unknown as Record<string, unknown>).net = 12.5
  a.lines[1]!.tax = '1e3'
  a.lines[0]!.periodEnd = '2026-02-30'
  a.totals.total = ''
  t.same(await fieldsOf(a), ['lines[0].periodEnd', 'lines[0].net', 'lines[1].tax', 'totals.total'])

  t.same(await fieldsOf({ ...invoice(), language: 'de' }), ['language'])
  t.same(await fieldsOf({ ...invoice(), currency: 'XYZ' }), ['currency'])
  t.same(await fieldsOf({ ...invoice(), issueDate: '05/03/2026' }), ['issueDate'])
  t.same(await fieldsOf({ ...invoice(), kind: 'letter' }), ['kind'])
  t.same(await fieldsOf({ ...invoice(), number: '  ' }), ['number'])
  t.same(await fieldsOf({ ...invoice(), status: 'lost' }), ['status'])
  const statement = structuredClone(sampleDocument({ kind: 'statement', seed: 1 })) as PdfStatementDocument
  statement.rows[0]!.balance = '1.234,00'
  statement.closingBalance = 'NaN'
  t.same(await fieldsOf(statement), ['closingBalance', 'rows[0].balance'])
})

t.test('a logo that is not an image is a validation error on seller.logo', async (t) => {
  const doc = invoice()
  doc.seller.logo = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')
  t.same(await fieldsOf(doc), ['seller.logo'])
  const jpegLike = invoice()
  jpegLike.seller.logo = null
  t.ok((await renderPdf(jpegLike)).length > 1000, 'no logo is fine')
})

t.test('a missing font is a clear error naming where it was looked for', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'uplink-no-fonts-'))
  const saved = process.env['UPLINK_PDF_FONT_DIR']
  t.teardown(() => {
    if (saved === undefined) delete process.env['UPLINK_PDF_FONT_DIR']
    else process.env['UPLINK_PDF_FONT_DIR'] = saved
    rmSync(empty, { recursive: true, force: true })
  })
  process.env['UPLINK_PDF_FONT_DIR'] = empty
  t.equal(fontDirectory(), empty)
  const err = await renderPdf(invoice()).catch((e: unknown) => e)
  t.ok(err instanceof AppError)
  t.match((err as Error).message, `${join(empty, 'DejaVuSans.ttf')} does not exist`)
  t.match((err as Error).message, /dejavu-fonts-ttf/)
  delete process.env['UPLINK_PDF_FONT_DIR']
  t.match(fontDirectory(), /dejavu-fonts-ttf[/\\]ttf$/, 'by default the npm package ships the fonts')
  t.ok(pdfFonts().regular.hasGlyphForCodePoint(0x0456), 'і (Ukrainian) is in the font')
  t.ok(pdfFonts().bold.hasGlyphForCodePoint(0x017c), 'ż is in the bold font')
})
