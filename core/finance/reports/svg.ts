import { dec, max, min, ZERO } from '../../kernel/money.ts'

export interface Bar {
  label: string
  /** A decimal string: scaled with decimals, only the pixel positions are numbers. */
  value: string
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * A bar chart as inline SVG, rendered on the server so the page needs no JavaScript. Negative
 * values hang below the zero line. Each bar carries a <title> with its exact value.
 */
export function barChart(bars: readonly Bar[], options: { title: string; width?: number; height?: number }): string {
  const width = options.width ?? 720
  const height = options.height ?? 240
  const pad = { top: 16, right: 12, bottom: 44, left: 12 }
  const plotH = height - pad.top - pad.bottom
  const plotW = width - pad.left - pad.right
  const values = bars.map((b) => dec(b.value))
  const hi = values.reduce((a, v) => max(a, v), ZERO)
  const lo = values.reduce((a, v) => min(a, v), ZERO)
  const span = hi.minus(lo)
  const y = (v: ReturnType<typeof dec>) =>
    span.isZero() ? pad.top + plotH : pad.top + hi.minus(v).div(span).times(plotH).toDecimalPlaces(1).toNumber()
  const zeroY = y(ZERO)
  const slot = bars.length ? plotW / bars.length : plotW
  const barW = Math.max(2, Math.min(60, slot * 0.7))
  const labelEvery = Math.max(1, Math.ceil(bars.length / 16))
  const parts = bars.map((b, i) => {
    const v = values[i]!
    const top = Math.min(y(v), zeroY)
    const h = Math.max(v.isZero() ? 0 : 1, Math.abs(y(v) - zeroY))
    const x = pad.left + i * slot + (slot - barW) / 2
    const label =
      i % labelEvery === 0
        ? `<text x="${(x + barW / 2).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle" class="label">${esc(b.label.slice(0, 14))}</text>`
        : ''
    return `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" class="bar"${v.isNeg() ? ' style="fill:#c0392b"' : ''}><title>${esc(b.label)}: ${esc(b.value)}</title></rect>${label}`
  })
  return [
    `<div class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(options.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(options.title)}</title>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${zeroY.toFixed(1)}" y2="${zeroY.toFixed(1)}" class="axis"/>`,
    ...parts,
    bars.length ? '' : `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="label">No data for this period</text>`,
    '</svg></div>',
  ].join('')
}
