/** The body of invoices, proformas, credit notes and receipts: lines, tax summary, totals, payment. */
import { isZero } from '../../kernel/money.ts'
import type { PdfInvoiceDocument } from './document.ts'
import type { DocumentFormat } from './format.ts'
import type { BodyContext } from './body-context.ts'
import { drawPaymentBlock } from './payment-block.ts'
import { drawTable, fitColumns, type Row } from './table.ts'
import { BODY_BOTTOM, CONTENT_LEFT, CONTENT_RIGHT, MUTED, SHADE } from './writer.ts'

function lineRows(doc: PdfInvoiceDocument, f: DocumentFormat): Row[] {
  return doc.lines.map((line, i) => {
    const qty = f.quantity(line.quantity) + (line.unit ? ` ${line.unit}` : '')
    const period = f.period(line.periodStart, line.periodEnd)
    return {
      cells: [
        String(i + 1),
        line.description,
        qty,
        f.unitPrice(line.unitPrice),
        isZero(line.discountPercent) ? '' : f.percent(line.discountPercent),
        f.amount(line.net),
        f.percent(line.taxRatePercent),
        f.amount(line.tax),
        f.amount(line.total),
      ],
      ...(period ? { sub: { column: 1, text: period } } : {}),
    }
  })
}

/** Tax per rate on the left, totals on the right; returns the y below the lower of the two. */
function drawSummary(ctx: BodyContext, doc: PdfInvoiceDocument, y: number): number {
  const { w, labels: L, format: f } = ctx
  const totals: Array<[string, string, boolean]> = [
    [L.totalNet, f.money(doc.totals.net), false],
    [L.totalTax, f.money(doc.totals.tax), false],
    [L.totalGross, f.money(doc.totals.total), true],
  ]
  const paid = doc.totals.paid
  if (paid && !isZero(paid)) totals.push([L.paid, f.money(paid), false])
  const showDue = doc.kind === 'invoice' || doc.kind === 'proforma'
  const height = Math.max(totals.length * 14 + (showDue ? 26 : 0), doc.taxes.length * 12 + 30)
  let top = y
  if (top + height > BODY_BOTTOM) top = ctx.newPage()

  if (doc.taxes.length > 0) {
    const cols = [
      { header: L.taxRate, x: CONTENT_LEFT, width: 50 },
      { header: L.net, x: CONTENT_LEFT + 50, width: 70 },
      { header: L.tax, x: CONTENT_LEFT + 120, width: 70 },
      { header: L.total, x: CONTENT_LEFT + 190, width: 70 },
    ]
    w.text(L.taxSummary, CONTENT_LEFT, top, { size: 8, bold: true })
    let ty = top + 13
    for (const c of cols)
      w.text(c.header, c.x, ty, { size: 7, color: MUTED }, { width: c.width - 4, align: 'right' })
    w.rule(CONTENT_LEFT, CONTENT_LEFT + 260, ty + 10)
    ty += 13
    for (const t of doc.taxes) {
      const values = [f.percent(t.ratePercent), f.amount(t.net), f.amount(t.tax), f.amount(t.gross)]
      for (const [i, c] of cols.entries()) {
        w.text(values[i]!, c.x, ty, { size: 8 }, { width: c.width - 4, align: 'right' })
      }
      ty += 12
    }
  }

  const labelX = CONTENT_RIGHT - 230
  const valueBox = { width: 120, align: 'right' as const }
  let ry = top
  for (const [label, value, strong] of totals) {
    w.text(label, labelX, ry, { size: strong ? 10 : 9, bold: strong }, { width: 110 })
    w.text(value, CONTENT_RIGHT - valueBox.width, ry, { size: strong ? 10 : 9, bold: strong }, valueBox)
    ry += 14
  }
  if (showDue) {
    ry += 2
    w.fillRect(labelX - 6, ry - 4, CONTENT_RIGHT - labelX + 6, 20, SHADE)
    w.text(L.due, labelX, ry, { size: 11, bold: true }, { width: 110 })
    w.text(
      f.money(doc.totals.due ?? doc.totals.total),
      CONTENT_RIGHT - valueBox.width,
      ry,
      { size: 11, bold: true },
      valueBox,
    )
    ry += 24
  }
  return Math.max(top + 26 + doc.taxes.length * 12, ry) + 10
}

/** Notes and, for proformas, the reminder that it is not a tax invoice. */
export function drawNotes(
  ctx: BodyContext,
  note: string | null | undefined,
  extra: string | null,
  y: number,
): number {
  const { w, labels } = ctx
  const texts = [extra, note].filter((t): t is string => Boolean(t?.trim()))
  if (texts.length === 0) return y
  const width = CONTENT_RIGHT - CONTENT_LEFT
  const lines = texts.flatMap((t) => w.wrap(t, width, { size: 8 }))
  let top = y
  if (top + 14 + lines.length * 10.4 > BODY_BOTTOM) top = ctx.newPage()
  w.text(labels.note, CONTENT_LEFT, top, { size: 8, bold: true })
  top += 12
  for (const line of lines) {
    w.text(line, CONTENT_LEFT, top, { size: 8, color: MUTED })
    top += 10.4
    if (top + 10.4 > BODY_BOTTOM) top = ctx.newPage()
  }
  return top
}

export function drawInvoiceBody(ctx: BodyContext, doc: PdfInvoiceDocument, y: number): number {
  const L = ctx.labels
  const columns = fitColumns([
    { header: L.lineNo, width: 22, align: 'right' },
    { header: L.description, width: 158, align: 'left' },
    { header: L.quantity, width: 46, align: 'right' },
    { header: L.unitPrice, width: 56, align: 'right' },
    { header: L.discount, width: 38, align: 'right' },
    { header: L.net, width: 58, align: 'right' },
    { header: L.taxRate, width: 36, align: 'right' },
    { header: L.tax, width: 50, align: 'right' },
    { header: L.total, width: 60, align: 'right' },
  ])
  let top = drawTable(ctx.w, lineRows(doc, ctx.format), y, { columns, wrapColumn: 1, newPage: ctx.newPage })
  top = drawSummary(ctx, doc, top + 12)
  if (doc.kind === 'invoice' || doc.kind === 'proforma') {
    top = drawPaymentBlock(ctx, doc, doc.totals.due ?? doc.totals.total, doc.dueDate ?? null, top)
  }
  return drawNotes(ctx, doc.note, doc.kind === 'proforma' ? L.proformaNotice : null, top)
}
