/**
 * Daily traffic as an inline SVG bar chart, rendered on the server (no script, strict CSP): download
 * and upload side by side per day, each bar with a <title> giving the exact bytes. Byte counts stay
 * bigint; only pixel positions are numbers.
 */
import { Temporal } from 'temporal-polyfill'
import type { UsageDay } from './sessions.ts'

export interface TrafficDay {
  day: string
  /** Octets to the subscriber. */
  down: bigint
  /** Octets from the subscriber. */
  up: bigint
}

export interface TrafficTotals {
  down: bigint
  up: bigint
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const larger = (a: bigint, b: bigint) => (a > b ? a : b)

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']

/** Decimal units as ISPs bill them: 1 GB = 10^9 bytes, two decimals above bytes. */
export function formatBytes(bytes: bigint): string {
  let unit = 0
  let scale = 1n
  while (unit < UNITS.length - 1 && bytes >= scale * 1000n) {
    scale *= 1000n
    unit++
  }
  if (unit === 0) return `${bytes} B`
  const hundredths = (bytes * 100n + scale / 2n) / scale
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')} ${UNITS[unit]}`
}

/** Every day from `from` to `to` (inclusive, YYYY-MM-DD), with zero where nothing was recorded. */
export function fillDays(rows: UsageDay[], from: string, to: string): TrafficDay[] {
  const byDay = new Map(rows.map((r) => [r.day, r]))
  const out: TrafficDay[] = []
  for (
    let d = Temporal.PlainDate.from(from);
    Temporal.PlainDate.compare(d, to) <= 0;
    d = d.add({ days: 1 })
  ) {
    const r = byDay.get(d.toString())
    out.push({ day: d.toString(), down: BigInt(r?.outputOctets ?? 0), up: BigInt(r?.inputOctets ?? 0) })
  }
  return out
}

export function totals(days: TrafficDay[]): TrafficTotals {
  return days.reduce((t, d) => ({ down: t.down + d.down, up: t.up + d.up }), { down: 0n, up: 0n })
}

export function trafficChart(
  days: TrafficDay[],
  options: { title: string; width?: number; height?: number },
): string {
  const width = options.width ?? 720
  const height = options.height ?? 220
  const pad = { top: 14, right: 8, bottom: 40, left: 8 }
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const peak = days.reduce((m, d) => larger(larger(m, d.down), d.up), 0n)
  const h = (v: bigint) => (peak === 0n ? 0 : Number((v * 10_000n) / peak) / 10_000) * plotH
  const slot = plotW / Math.max(1, days.length)
  const barW = Math.max(1, Math.min(12, slot * 0.36))
  const labelEvery = Math.max(1, Math.ceil(days.length / 10))
  const baseY = pad.top + plotH
  const parts = days.map((d, i) => {
    const x = pad.left + i * slot + slot / 2
    const bar = (v: bigint, left: number, cls: string, style: string, what: string) => {
      const bh = v > 0n ? Math.max(1, h(v)) : 0
      return `<rect class="${cls}"${style} x="${left.toFixed(1)}" y="${(baseY - bh).toFixed(1)}" width="${barW.toFixed(1)}" height="${bh.toFixed(1)}"><title>${d.day} ${what}: ${esc(formatBytes(v))} (${v} bytes)</title></rect>`
    }
    const label =
      i % labelEvery === 0
        ? `<text class="label" x="${x.toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle">${d.day.slice(5)}</text>`
        : ''
    return (
      bar(d.down, x - barW, 'bar bar-down', '', 'download') +
      bar(d.up, x, 'bar-up', ' style="fill:#22a052"', 'upload') +
      label
    )
  })
  const legendY = height - 8
  return [
    `<div class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(options.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(options.title)}</title>`,
    `<line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${baseY}" y2="${baseY}"/>`,
    ...parts,
    `<rect class="bar" x="${pad.left}" y="${legendY - 9}" width="10" height="10"/><text class="label" x="${pad.left + 14}" y="${legendY}">Download</text>`,
    `<rect style="fill:#22a052" x="${pad.left + 100}" y="${legendY - 9}" width="10" height="10"/><text class="label" x="${pad.left + 114}" y="${legendY}">Upload</text>`,
    peak === 0n
      ? `<text class="label" x="${width / 2}" y="${height / 2}" text-anchor="middle">No traffic in these days</text>`
      : '',
    '</svg></div>',
  ].join('')
}
