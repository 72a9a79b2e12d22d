/**
 * Drawing primitives over pdfkit: single-line text placed and aligned by us (pdfkit's own wrapping
 * engine is several times slower and adds pages on its own), greedy word wrapping, and the page
 * geometry every layout shares.
 */
import type { PdfFonts } from './fonts.ts'

type Doc = PDFKit.PDFDocument

/** A4 in points. */
export const PAGE = { width: 595.28, height: 841.89 } as const
export const MARGIN = 40
export const CONTENT_LEFT = MARGIN
export const CONTENT_RIGHT = PAGE.width - MARGIN
export const CONTENT_WIDTH = CONTENT_RIGHT - CONTENT_LEFT
/** Lowest y the body may reach; the footer lives below it. */
export const BODY_BOTTOM = PAGE.height - 62
export const FOOTER_TOP = PAGE.height - 44

export const INK = '#1a1a1a'
export const MUTED = '#666666'
export const RULE = '#c8c8c8'
export const SHADE = '#eef1f4'

export interface TextStyle {
  size?: number
  bold?: boolean
  color?: string
}

export type Align = 'left' | 'right' | 'center'

/**
 * pdfkit shapes every word with fontkit (OpenType substitution and positioning) and caches the result
 * per document, so each new document shapes the same words again: most of its text cost. The cached
 * runs depend only on the font and the word, so one cache per font serves every document of the
 * thread; it is dropped now and then so that names and numbers seen once do not pile up.
 */
const layoutCaches = new WeakMap<object, { uses: number; runs: Record<string, unknown> }>()
const LAYOUT_CACHE_DOCUMENTS = 500

function shareLayoutCache(doc: Doc, font: object): void {
  const embedded = (doc as unknown as { _font?: { layoutCache?: Record<string, unknown> } })._font
  if (!embedded?.layoutCache) return
  let cache = layoutCaches.get(font)
  if (!cache || cache.uses >= LAYOUT_CACHE_DOCUMENTS) {
    cache = { uses: 0, runs: Object.create(null) as Record<string, unknown> }
    layoutCaches.set(font, cache)
  }
  cache.uses++
  embedded.layoutCache = cache.runs
}

export class Writer {
  constructor(
    readonly doc: Doc,
    fonts: PdfFonts,
  ) {
    // pdfkit takes any object with fontkit's layout(); its typings only list file sources.
    doc.registerFont('R', fonts.regular as unknown as Buffer)
    doc.registerFont('B', fonts.bold as unknown as Buffer)
    shareLayoutCache(doc.font('B'), fonts.bold)
    shareLayoutCache(doc.font('R'), fonts.regular)
  }

  private use(style: TextStyle): void {
    this.doc.font(style.bold ? 'B' : 'R').fontSize(style.size ?? 9)
  }

  width(text: string, style: TextStyle = {}): number {
    this.use(style)
    return this.doc.widthOfString(text)
  }

  /**
   * One line of text whose top is at y. With a box width, `align` places it inside the box and text
   * wider than the box is cut with an ellipsis, so a long value never runs into the next column.
   */
  text(
    text: string,
    x: number,
    y: number,
    style: TextStyle = {},
    box?: { width: number; align?: Align },
  ): void {
    if (text === '') return
    this.use(style)
    let s = text
    let left = x
    if (box) {
      let w = this.doc.widthOfString(s)
      if (w > box.width) {
        while (s.length > 1 && this.doc.widthOfString(`${s}…`) > box.width) s = s.slice(0, -1)
        s = `${s.trimEnd()}…`
        w = this.doc.widthOfString(s)
      }
      if (box.align === 'right') left = x + box.width - w
      else if (box.align === 'center') left = x + (box.width - w) / 2
    }
    this.doc.fillColor(style.color ?? INK).text(s, left, y, { lineBreak: false })
  }

  /** Splits text into lines no wider than `width` at spaces (and hard-breaks words that do not fit). */
  wrap(text: string, width: number, style: TextStyle = {}): string[] {
    this.use(style)
    const lines: string[] = []
    for (const paragraph of text.split('\n')) {
      let line = ''
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        const candidate = line ? `${line} ${word}` : word
        if (this.doc.widthOfString(candidate) <= width) {
          line = candidate
          continue
        }
        if (line) lines.push(line)
        line = word
        while (this.doc.widthOfString(line) > width && line.length > 1) {
          let cut = line.length - 1
          while (cut > 1 && this.doc.widthOfString(line.slice(0, cut)) > width) cut--
          lines.push(line.slice(0, cut))
          line = line.slice(cut)
        }
      }
      lines.push(line)
    }
    return lines
  }

  /** Wrapped text from y down; returns the y below its last line. */
  paragraph(text: string, x: number, y: number, width: number, style: TextStyle = {}, leading = 1.3): number {
    const size = style.size ?? 9
    let top = y
    for (const line of this.wrap(text, width, style)) {
      this.text(line, x, top, style)
      top += size * leading
    }
    return top
  }

  rule(x1: number, x2: number, y: number, color = RULE, width = 0.5): void {
    this.doc.save().moveTo(x1, y).lineTo(x2, y).lineWidth(width).strokeColor(color).stroke().restore()
  }

  fillRect(x: number, y: number, w: number, h: number, color: string): void {
    this.doc.save().rect(x, y, w, h).fillColor(color).fill().restore()
  }
}
