/** How to pay: the payment QR code beside the reference and the seller's bank account. */
import { gt } from '../../kernel/money.ts'
import type { BodyContext } from './body-context.ts'
import { drawQrCode } from './codes.ts'
import type { PdfDocument } from './document.ts'
import { paymentCodeText } from './payment-code.ts'
import { BODY_BOTTOM, CONTENT_LEFT, MUTED, RULE } from './writer.ts'

const QR_SIZE = 86

/** Returns the y below the block; draws nothing when there is neither a reference nor an account. */
export function drawPaymentBlock(
  ctx: BodyContext,
  doc: PdfDocument,
  amount: string,
  dueDate: string | null,
  y: number,
): number {
  const { w, labels: L, format: f } = ctx
  const bank = doc.seller.bank
  const reference = doc.paymentReference?.trim() ?? ''
  if (!reference && !bank) return y
  const withQr = reference !== '' && gt(amount, '0')
  const height = withQr ? QR_SIZE + 18 : 60
  let top = y
  if (top + height > BODY_BOTTOM) top = ctx.newPage()
  w.rule(CONTENT_LEFT, CONTENT_LEFT + 515, top, RULE)
  top += 8

  let textX = CONTENT_LEFT
  if (withQr) {
    const text = paymentCodeText({
      beneficiary: doc.seller.name,
      iban: bank?.iban ?? null,
      bic: bank?.bic ?? null,
      taxId: doc.seller.taxId ?? null,
      amount,
      currency: doc.currency,
      reference,
    })
    drawQrCode(w.doc, text, CONTENT_LEFT, top, QR_SIZE)
    w.text(
      L.scanToPay,
      CONTENT_LEFT - 6,
      top + QR_SIZE + 1,
      { size: 6.5, color: MUTED },
      { width: QR_SIZE + 12, align: 'center' },
    )
    textX = CONTENT_LEFT + QR_SIZE + 14
  }
  const rows: Array<[string, string]> = []
  if (reference) rows.push([L.paymentReference, reference])
  if (gt(amount, '0')) rows.push([L.due, f.money(amount)])
  if (dueDate) rows.push([L.dueDate, f.date(dueDate)])
  if (bank) {
    rows.push([L.iban, bank.iban])
    if (bank.bic) rows.push([L.bic, bank.bic])
    if (bank.bankName) rows.push([L.bank, bank.bankName])
  }
  let ty = top + 6
  for (const [label, value] of rows) {
    w.text(label, textX, ty, { size: 8, color: MUTED }, { width: 120 })
    w.text(value, textX + 124, ty, { size: 9, bold: label === L.paymentReference }, { width: 280 })
    ty += 13
  }
  return Math.max(ty, top + (withQr ? QR_SIZE + 12 : 0)) + 8
}
