/** The top of a document: logo and seller, title and number with its barcode, customer and key facts. */
import { ValidationError } from '../../kernel/errors.ts'
import { code128, drawBarcode } from './codes.ts'
import type { PdfDocument } from './document.ts'
import type { DocumentFormat } from './format.ts'
import { fill, type PdfLabels } from './labels.ts'
import { preparedLogo } from './logo.ts'
import { CONTENT_LEFT, CONTENT_RIGHT, MARGIN, MUTED, type Writer } from './writer.ts'

const LOGO_BOX = { width: 150, height: 50 }
const BARCODE = { module: 0.8, height: 26 }

export interface HeaderContext {
  w: Writer
  doc: PdfDocument
  labels: PdfLabels
  format: DocumentFormat
}

function drawLogo(w: Writer, logo: Uint8Array, x: number, y: number): number {
  try {
    w.doc.image(preparedLogo(logo), x, y, { fit: [LOGO_BOX.width, LOGO_BOX.height] })
  } catch (err) {
    throw new ValidationError([
      { field: 'seller.logo', message: `is not a PNG or JPEG image (${(err as Error).message})` },
    ])
  }
  return y + LOGO_BOX.height
}

/** Seller block, right-aligned at the top right; returns its bottom. */
function drawSeller({ w, doc, labels }: HeaderContext, y: number): number {
  const s = doc.seller
  const box = { width: 260, align: 'right' as const }
  const x = CONTENT_RIGHT - box.width
  w.text(s.name, x, y, { size: 11, bold: true }, box)
  let top = y + 15
  const lines = [
    ...s.address,
    s.taxId ? `${labels.taxId}: ${s.taxId}` : '',
    s.email ? `${labels.email}: ${s.email}` : '',
    s.phone ? `${labels.phone}: ${s.phone}` : '',
    s.website ?? '',
  ].filter(Boolean)
  for (const line of lines) {
    w.text(line, x, top, { size: 8, color: MUTED }, box)
    top += 10.5
  }
  return top
}

function drawCustomer({ w, doc, labels }: HeaderContext, y: number): number {
  const c = doc.customer
  const width = 250
  w.text(labels.customer.toUpperCase(), CONTENT_LEFT, y, { size: 7, bold: true, color: MUTED })
  let top = y + 11
  if (c.company) {
    top = w.paragraph(c.company, CONTENT_LEFT, top, width, { size: 10, bold: true })
    top = w.paragraph(c.name, CONTENT_LEFT, top, width, { size: 9 })
  } else {
    top = w.paragraph(c.name, CONTENT_LEFT, top, width, { size: 10, bold: true })
  }
  for (const line of c.address) top = w.paragraph(line, CONTENT_LEFT, top, width, { size: 9 })
  if (c.vatId)
    top = w.paragraph(`${labels.vatId}: ${c.vatId}`, CONTENT_LEFT, top, width, { size: 8, color: MUTED })
  return top
}

function facts({ doc, labels, format }: HeaderContext): Array<[string, string]> {
  const rows: Array<[string, string]> = [[labels.issueDate, format.date(doc.issueDate)]]
  if (doc.kind === 'statement') {
    rows.push([labels.period, format.period(doc.periodStart, doc.periodEnd)])
  } else {
    if (doc.dueDate) rows.push([labels.dueDate, format.date(doc.dueDate)])
    if (doc.relatedNumber)
      rows.push([doc.kind === 'receipt' ? labels.pays : labels.corrects, doc.relatedNumber])
    if (doc.paymentMethod) rows.push([labels.paymentMethod, labels.method[doc.paymentMethod]])
  }
  if (doc.customer.accountNumber) rows.push([labels.account, doc.customer.accountNumber])
  if (doc.customer.login) rows.push([labels.login, doc.customer.login])
  rows.push(['', fill(labels.amountsIn, { currency: doc.currency })])
  return rows
}

function drawFacts(ctx: HeaderContext, y: number): number {
  const { w } = ctx
  const labelX = CONTENT_RIGHT - 240
  const valueBox = { width: 130, align: 'right' as const }
  let top = y
  for (const [label, value] of facts(ctx)) {
    w.text(label, labelX, top, { size: 8, color: MUTED }, { width: 108 })
    w.text(
      value,
      CONTENT_RIGHT - valueBox.width,
      top,
      { size: 8.5, bold: label === ctx.labels.dueDate },
      valueBox,
    )
    top += 12
  }
  return top
}

function drawTitle({ w, doc, labels }: HeaderContext, y: number): number {
  w.text(labels.title[doc.kind], CONTENT_LEFT, y, { size: 18, bold: true })
  w.text(`${labels.number}: ${doc.number}`, CONTENT_LEFT, y + 24, { size: 10 })
  const code = code128(doc.number)
  const width = code.modules * BARCODE.module
  drawBarcode(w.doc, code, CONTENT_RIGHT - width, y + 2, BARCODE.module, BARCODE.height)
  w.text(
    doc.number,
    CONTENT_RIGHT - width,
    y + 4 + BARCODE.height,
    { size: 7, color: MUTED },
    {
      width,
      align: 'center',
    },
  )
  return y + 42
}

/** Everything above the body on the first page; returns the y where the body starts. */
export function drawFirstPageHeader(ctx: HeaderContext): number {
  const top = MARGIN
  const logoBottom = ctx.doc.seller.logo ? drawLogo(ctx.w, ctx.doc.seller.logo, CONTENT_LEFT, top) : top
  const sellerBottom = drawSeller(ctx, top)
  const titleBottom = drawTitle(ctx, Math.max(logoBottom, sellerBottom) + 14)
  ctx.w.rule(CONTENT_LEFT, CONTENT_RIGHT, titleBottom, MUTED, 0.8)
  const partiesTop = titleBottom + 12
  return Math.max(drawCustomer(ctx, partiesTop), drawFacts(ctx, partiesTop)) + 16
}

/** The top of every later page: title, number and "continued"; returns where the body goes on. */
export function drawContinuationHeader({ w, doc, labels }: HeaderContext): number {
  w.text(`${labels.title[doc.kind]} ${doc.number}`, CONTENT_LEFT, MARGIN, { size: 11, bold: true })
  w.text(
    `(${labels.continued})`,
    CONTENT_RIGHT - 150,
    MARGIN + 2,
    { size: 8, color: MUTED },
    {
      width: 150,
      align: 'right',
    },
  )
  w.rule(CONTENT_LEFT, CONTENT_RIGHT, MARGIN + 18, MUTED, 0.8)
  return MARGIN + 28
}
