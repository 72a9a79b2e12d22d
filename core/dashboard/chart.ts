/** Server-rendered SVG charts: no chart library, no script, works under the strict CSP. */

export interface BarDatum {
  label: string
  /** A one- or two-letter label for narrow screens (CSS shows it below 560px); defaults to the label. */
  shortLabel?: string
  /** Longer text for the tooltip. */
  title?: string
  value: number
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** A round upper bound for the axis (1, 2, 5 × 10^n) and the step between grid lines. */
export function niceScale(max: number, lines = 4): { top: number; step: number } {
  if (max <= 0) return { top: lines, step: 1 }
  const rough = max / lines
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!
  const wholeStep = Math.max(1, Math.round(step))
  return { top: Math.ceil(max / wholeStep) * wholeStep, step: wholeStep }
}

/** A vertical bar chart as an <svg> string; sized by its viewBox, so CSS makes it fluid. */
export function barChart(data: BarDatum[], options: { label: string; width?: number; height?: number }): string {
  const width = options.width ?? 600
  const height = options.height ?? 240
  const pad = { top: 26, right: 6, bottom: 32, left: 44 }
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const { top, step } = niceScale(Math.max(0, ...data.map((d) => d.value)))
  const y = (v: number) => pad.top + plotH - (v / top) * plotH
  const slot = plotW / Math.max(1, data.length)
  const barW = Math.max(4, Math.min(44, slot * 0.62))
  const parts: string[] = []
  for (let v = 0; v <= top; v += step) {
    const yy = y(v).toFixed(1)
    parts.push(`<line class="${v === 0 ? 'axis' : 'grid-line'}" x1="${pad.left}" x2="${width - pad.right}" y1="${yy}" y2="${yy}"/>`)
    parts.push(`<text class="tick" x="${pad.left - 8}" y="${yy}" dy="0.32em" text-anchor="end">${v}</text>`)
  }
  data.forEach((d, i) => {
    const cx = pad.left + slot * i + slot / 2
    const h = (d.value / top) * plotH
    const title = escapeXml(d.title ?? `${d.label}: ${d.value}`)
    parts.push(
      `<g><title>${title}</title><rect class="bar" x="${(cx - barW / 2).toFixed(1)}" y="${y(d.value).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" rx="3"/>` +
        (d.value > 0 ? `<text class="value" x="${cx.toFixed(1)}" y="${(y(d.value) - 5).toFixed(1)}" text-anchor="middle">${d.value}</text>` : '') +
        `<text class="label-long" x="${cx.toFixed(1)}" y="${height - 9}" text-anchor="middle">${escapeXml(d.label)}</text>` +
        `<text class="label-short" x="${cx.toFixed(1)}" y="${height - 9}" text-anchor="middle">${escapeXml(d.shortLabel ?? d.label)}</text></g>`,
    )
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.label)}">${parts.join('')}</svg>`
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** 'YYYY-MM' -> 'Mar' (or "Jan '26" in January, so the year shows where it changes). */
export function monthLabel(ym: string, long = false): string {
  const [year, month] = ym.split('-').map(Number) as [number, number]
  const name = MONTHS[month - 1] ?? ym
  if (long) return `${name} ${year}`
  return month === 1 ? `${name} '${String(year).slice(2)}` : name
}
