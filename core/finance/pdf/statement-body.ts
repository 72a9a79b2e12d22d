/** The body of a customer statement: opening balance, each transaction with the running balance, closing. */
import { isNegative, neg } from '../../kernel/money.ts'
import type { BodyContext } from './body-context.ts'
import type { PdfStatementDocument } from './document.ts'
import { drawNotes } from './invoice-body.ts'
import { drawPaymentBlock } from './payment-block.ts'
import { drawTable, fitColumns, type Row } from './table.ts'
import { BODY_BOTTOM, CONTENT_RIGHT, SHADE } from './writer.ts'

export function drawStatementBody(ctx: BodyContext, doc: PdfStatementDocument, y: number): number {
  const { w, labels: L, format: f } = ctx
  const columns = fitColumns([
    { header: L.date, width: 62, align: 'left' },
    { header: L.description, width: 230, align: 'left' },
    { header: L.debit, width: 74, align: 'right' },
    { header: L.credit, width: 74, align: 'right' },
    { header: L.balance, width: 80, align: 'right' },
  ])
  const rows: Row[] = [
    {
      cells: [f.date(doc.periodStart), L.openingBalance, '', '', f.amount(doc.openingBalance)],
      bold: true,
      shaded: true,
    },
    ...doc.rows.map((r) => ({
      cells: [
        f.date(r.date),
        r.description,
        f.optionalAmount(r.debit),
        f.optionalAmount(r.credit),
        f.amount(r.balance),
      ],
    })),
  ]
  if (doc.rows.length === 0) rows.push({ cells: ['', L.noActivity, '', '', ''] })
  rows.push({
    cells: [f.date(doc.periodEnd), L.closingBalance, '', '', f.amount(doc.closingBalance)],
    bold: true,
    shaded: true,
  })
  let top = drawTable(w, rows, y, { columns, wrapColumn: 1, newPage: ctx.newPage }) + 14

  // Balance is credits − debits: a negative closing balance is what the customer owes.
  const owed = isNegative(doc.closingBalance) ? neg(doc.closingBalance).toFixed() : '0'
  if (top + 24 > BODY_BOTTOM) top = ctx.newPage()
  const labelX = CONTENT_RIGHT - 230
  w.fillRect(labelX - 6, top - 4, CONTENT_RIGHT - labelX + 6, 20, SHADE)
  w.text(
    isNegative(doc.closingBalance) ? L.due : L.closingBalance,
    labelX,
    top,
    { size: 11, bold: true },
    { width: 110 },
  )
  w.text(
    f.money(isNegative(doc.closingBalance) ? owed : doc.closingBalance),
    CONTENT_RIGHT - 120,
    top,
    {
      size: 11,
      bold: true,
    },
    { width: 120, align: 'right' },
  )
  top += 30
  if (isNegative(doc.closingBalance)) top = drawPaymentBlock(ctx, doc, owed, null, top)
  return drawNotes(ctx, doc.note, null, top)
}
