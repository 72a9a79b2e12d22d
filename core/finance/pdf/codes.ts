/**
 * QR codes and Code 128 barcodes drawn as vector rectangles straight into the PDF: sharp at any zoom,
 * a few hundred bytes, and no PNG to encode and decode per document.
 * QR: the `qrcode` package (about ten times faster than bwip-js's QR encoder, which matters when
 * rendering thousands of invoices); Code 128: bwip-js.
 */
import bwipjs from 'bwip-js'
import QRCode from 'qrcode'

type Doc = PDFKit.PDFDocument

/** Draws a QR code (error correction M) as a square of `size` points with its top-left at x, y. */
export function drawQrCode(doc: Doc, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const quiet = 2
  const n = modules.size
  const cell = size / (n + 2 * quiet)
  const top = y + quiet * cell
  const left = x + quiet * cell
  doc.save()
  for (let row = 0; row < n; row++) {
    let col = 0
    while (col < n) {
      if (!modules.get(row, col)) {
        col++
        continue
      }
      const start = col
      while (col < n && modules.get(row, col)) col++
      // Overlap neighbours by a hair so viewers' anti-aliasing leaves no white seams.
      doc.rect(left + start * cell, top + row * cell, (col - start) * cell + 0.02, cell + 0.02)
    }
  }
  doc.fillColor('#000000').fill()
  doc.restore()
}

export interface Barcode {
  /** Bar, space, bar, ... widths in modules, starting with a bar. */
  widths: number[]
  /** Total width in modules. */
  modules: number
}

export function code128(text: string): Barcode {
  const [symbol] = bwipjs.raw('code128', text, {}) as Array<{ sbs: number[] }>
  if (!symbol) throw new Error(`bwip-js returned no Code 128 for "${text}"`)
  return { widths: symbol.sbs, modules: symbol.sbs.reduce((a, b) => a + b, 0) }
}

/** Draws a barcode with its top-left at x, y; `module` is the width of its narrowest bar in points. */
export function drawBarcode(
  doc: Doc,
  code: Barcode,
  x: number,
  y: number,
  module: number,
  height: number,
): void {
  let pos = x
  doc.save()
  for (const [i, w] of code.widths.entries()) {
    if (i % 2 === 0) doc.rect(pos, y, w * module, height)
    pos += w * module
  }
  doc.fillColor('#000000').fill()
  doc.restore()
}
