/** Speed fields of an internet plan, in kbit/s and percent, as stored. */
export interface PlanSpeeds {
  downloadKbps: number
  uploadKbps: number
  burstPercent?: number | null
  burstThresholdPercent?: number | null
  burstTimeS?: number | null
  priority?: number | null
}

const rate = (kbps: number) => (kbps === 0 ? '0' : kbps % 1024 === 0 ? `${kbps / 1024}M` : `${kbps}k`)

/**
 * The Mikrotik-Rate-Limit value of a plan (also a simple queue's settings), from the ROUTER's view:
 * rx = what the subscriber uploads, tx = what they download.
 *
 *   rx/tx [rx-burst/tx-burst rx-threshold/tx-threshold rx-burst-time/tx-burst-time [priority]]
 *
 * burst = rate × (100 + burst %) / 100; threshold = rate × threshold % / 100 (whole kbit/s, rounded
 * down, since a router accepts no fractions). Without burst the priority still needs the burst
 * fields, so they are written as zeros (MikroTik reads 0 as "no burst").
 */
export function mikrotikRateLimit(p: PlanSpeeds): string {
  const pair = (up: number, down: number) => `${rate(up)}/${rate(down)}`
  const base = pair(p.uploadKbps, p.downloadKbps)
  const burst = p.burstPercent ?? 0
  const priority = p.priority ?? 8
  if (burst <= 0) return priority === 8 ? base : `${base} 0/0 0/0 0/0 ${priority}`
  const scale = (kbps: number, percent: number) => Math.floor((kbps * percent) / 100)
  const threshold = p.burstThresholdPercent ?? 0
  const time = p.burstTimeS ?? 0
  return [
    base,
    pair(scale(p.uploadKbps, 100 + burst), scale(p.downloadKbps, 100 + burst)),
    pair(scale(p.uploadKbps, threshold), scale(p.downloadKbps, threshold)),
    `${time}/${time}`,
    String(priority),
  ].join(' ')
}
