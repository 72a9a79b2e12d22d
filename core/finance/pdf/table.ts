/** A table that flows over as many pages as it needs, repeating its header on each. */
import {
  type Align,
  BODY_BOTTOM,
  CONTENT_LEFT,
  CONTENT_WIDTH,
  MUTED,
  RULE,
  SHADE,
  type Writer,
} from './writer.ts'

export interface Column {
  header: string
  width: number
  align: Align
}

export interface Row {
  cells: string[]
  /** A smaller second line under one cell (a line's service period under its description). */
  sub?: { column: number; text: string }
  bold?: boolean
  shaded?: boolean
}

export interface TableOptions {
  columns: Column[]
  /** The column whose text wraps; every other cell is one line. */
  wrapColumn: number
  /** Starts a new page and returns the y where the table goes on. */
  newPage: () => number
  size?: number
}

const PAD_X = 3
const PAD_Y = 4

/** Scales the column widths so that they fill the content width exactly. */
export function fitColumns(columns: Column[]): Column[] {
  const total = columns.reduce((a, c) => a + c.width, 0)
  return columns.map((c) => ({ ...c, width: (c.width * CONTENT_WIDTH) / total }))
}

function drawHeader(w: Writer, columns: Column[], y: number, size: number): number {
  const h = size + 2 * PAD_Y + 1
  w.fillRect(CONTENT_LEFT, y, CONTENT_WIDTH, h, SHADE)
  let x = CONTENT_LEFT
  for (const c of columns) {
    w.text(
      c.header,
      x + PAD_X,
      y + PAD_Y + 0.5,
      { size: size - 0.5, bold: true, color: MUTED },
      {
        width: c.width - 2 * PAD_X,
        align: c.align,
      },
    )
    x += c.width
  }
  return y + h
}

/** Draws the table from y; returns the y below its last row. */
export function drawTable(w: Writer, rows: Row[], y: number, options: TableOptions): number {
  const { columns, wrapColumn } = options
  const size = options.size ?? 8
  const lineHeight = size * 1.25
  const subSize = size - 1
  let top = drawHeader(w, columns, y, size)
  for (const row of rows) {
    const wrapWidth = columns[wrapColumn]!.width - 2 * PAD_X
    const lines = w.wrap(row.cells[wrapColumn] ?? '', wrapWidth, { size, bold: row.bold ?? false })
    const subHeight = row.sub?.text ? subSize * 1.25 : 0
    const height = lines.length * lineHeight + subHeight + 2 * PAD_Y - (lineHeight - size)
    if (top + height > BODY_BOTTOM) top = drawHeader(w, columns, options.newPage(), size)
    if (row.shaded) w.fillRect(CONTENT_LEFT, top, CONTENT_WIDTH, height, SHADE)
    let x = CONTENT_LEFT
    const style = { size, bold: row.bold ?? false }
    for (const [i, c] of columns.entries()) {
      const box = { width: c.width - 2 * PAD_X, align: c.align }
      if (i === wrapColumn) {
        for (const [n, line] of lines.entries()) w.text(line, x + PAD_X, top + PAD_Y + n * lineHeight, style)
      } else {
        w.text(row.cells[i] ?? '', x + PAD_X, top + PAD_Y, style, box)
      }
      if (row.sub?.column === i && row.sub.text) {
        w.text(
          row.sub.text,
          x + PAD_X,
          top + PAD_Y + lines.length * lineHeight,
          { size: subSize, color: MUTED },
          box,
        )
      }
      x += c.width
    }
    top += height
    w.rule(CONTENT_LEFT, CONTENT_LEFT + CONTENT_WIDTH, top, RULE, 0.4)
  }
  return top
}
