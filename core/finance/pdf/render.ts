/**
 * One document to one PDF. The output depends on the document alone: the PDF's dates and its file
 * ID come from the date of issue, so rendering the same document twice gives the same bytes.
 */
import PDFDocument from 'pdfkit'
import type { BodyContext } from './body-context.ts'
import type { PdfDocument } from './document.ts'
import { pdfFonts } from './fonts.ts'
import { documentFormat } from './format.ts'
import { drawContinuationHeader, drawFirstPageHeader, type HeaderContext } from './header.ts'
import { drawInvoiceBody } from './invoice-body.ts'
import { fill, labelsFor } from './labels.ts'
import { drawStatementBody } from './statement-body.ts'
import { checkPdfDocument } from './validate.ts'
import { CONTENT_LEFT, CONTENT_RIGHT, FOOTER_TOP, MARGIN, MUTED, PAGE, Writer } from './writer.ts'

function drawFooters(ctx: HeaderContext): void {
  const { w, doc, labels } = ctx
  const pdf = w.doc
  const { start, count } = pdf.bufferedPageRange()
  const seller = [
    doc.seller.name,
    doc.seller.taxId ? `${labels.taxId}: ${doc.seller.taxId}` : '',
    doc.seller.email ?? '',
  ]
    .filter(Boolean)
    .join('  ·  ')
  const mark = doc.status ? labels.watermark[doc.status] : undefined
  for (let i = 0; i < count; i++) {
    pdf.switchToPage(start + i)
    w.rule(CONTENT_LEFT, CONTENT_RIGHT, FOOTER_TOP)
    w.text(seller, CONTENT_LEFT, FOOTER_TOP + 6, { size: 7, color: MUTED }, { width: 380 })
    w.text(
      fill(labels.page, { page: i + 1, pages: count }),
      CONTENT_RIGHT - 120,
      FOOTER_TOP + 6,
      { size: 7, color: MUTED },
      {
        width: 120,
        align: 'right',
      },
    )
    if (mark) {
      pdf.save()
      pdf.rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] })
      pdf.fillOpacity(0.1)
      // As large as fits along the diagonal, at most 80 pt.
      const size = Math.min(80, (80 * PAGE.width * 0.8) / w.width(mark, { size: 80, bold: true }))
      w.text(
        mark,
        0,
        PAGE.height / 2 - size / 2,
        { size, bold: true, color: '#b00020' },
        { width: PAGE.width, align: 'center' },
      )
      pdf.restore()
    }
  }
}

/** Renders a document to PDF bytes. Throws ValidationError, naming the field, for a malformed document. */
export async function renderPdf(doc: PdfDocument): Promise<Buffer> {
  checkPdfDocument(doc)
  const fonts = pdfFonts()
  // A PDF's dates are instants; the day of issue at 00:00 UTC keeps the file a function of the document.
  const issued = new Date(`${doc.issueDate}T00:00:00Z`)
  const labels = labelsFor(doc.language)
  const title = `${labels.title[doc.kind]} ${doc.number}`
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: 0, left: MARGIN, right: MARGIN },
    bufferPages: true,
    // No default font: pdfkit would parse Helvetica's metrics for every document, never to use them.
    font: null as unknown as string,
    lang: doc.language,
    displayTitle: true,
    info: {
      Title: title,
      Author: doc.seller.name,
      Subject: labels.title[doc.kind],
      Creator: 'Uplink',
      Producer: 'Uplink',
      CreationDate: issued,
      ModDate: issued,
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
  })
  const w = new Writer(pdf, fonts)
  const ctx: HeaderContext = { w, doc, labels, format: documentFormat(doc.language, doc.currency) }
  const body: BodyContext = {
    w,
    labels,
    format: ctx.format,
    newPage: () => {
      pdf.addPage()
      return drawContinuationHeader(ctx)
    },
  }
  const top = drawFirstPageHeader(ctx)
  if (doc.kind === 'statement') drawStatementBody(body, doc, top)
  else drawInvoiceBody(body, doc, top)
  drawFooters(ctx)
  pdf.end()
  return done
}
