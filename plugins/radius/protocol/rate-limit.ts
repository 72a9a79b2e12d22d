/**
 * Mikrotik-Rate-Limit from a plan's speeds:
 *   rx/tx [rx-burst/tx-burst [rx-threshold/tx-threshold [rx-burst-time/tx-burst-time [priority [rx-min/tx-min]]]]]
 * rx/tx are from the ROUTER's view: rx is what the router receives from the subscriber (upload), tx what
 * it sends to them (download).
 */

export interface PlanSpeeds {
  /** Subscriber's download, kbit/s. */
  downloadKbps: number
  /** Subscriber's upload, kbit/s. */
  uploadKbps: number
  burst?: {
    /** Burst rate = rate × (100 + limitPercent) / 100. */
    limitPercent: number
    /** Burst threshold = rate × thresholdPercent / 100. */
    thresholdPercent: number
    /** Burst time, seconds. */
    timeSeconds: number
  }
  /** Queue priority 1 (highest) .. 8 (lowest). */
  priority?: number
  /** Guaranteed rates (limit-at), kbit/s. */
  minDownloadKbps?: number
  minUploadKbps?: number
}

export class RateLimitError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
    this.name = 'RateLimitError'
  }
}

/** Bits per second as RouterOS writes them: 10M, 512k, or plain bits when not a whole kilobit. */
export function formatRate(bps: number): string {
  if (bps === 0) return '0'
  if (bps % 1_000_000 === 0) return `${bps / 1_000_000}M`
  if (bps % 1000 === 0) return `${bps / 1000}k`
  return String(bps)
}

function rate(field: string, kbps: number, allowZero = false): number {
  if (!Number.isFinite(kbps) || kbps < 0 || (!allowZero && kbps === 0)) {
    throw new RateLimitError(field, `must be a positive number of kbit/s, got ${kbps}`)
  }
  return Math.round(kbps * 1000)
}

const pair = (rx: number, tx: number) => `${formatRate(rx)}/${formatRate(tx)}`

export function buildMikrotikRateLimit(speeds: PlanSpeeds): string {
  const rx = rate('uploadKbps', speeds.uploadKbps)
  const tx = rate('downloadKbps', speeds.downloadKbps)
  const fields = [pair(rx, tx)]

  const { burst } = speeds
  const hasMin = speeds.minDownloadKbps !== undefined || speeds.minUploadKbps !== undefined
  const needsTail = speeds.priority !== undefined || hasMin

  if (burst) {
    if (!Number.isInteger(burst.limitPercent) || burst.limitPercent <= 0) {
      throw new RateLimitError('burst.limitPercent', 'must be a whole percentage above 0')
    }
    if (
      !Number.isInteger(burst.thresholdPercent) ||
      burst.thresholdPercent < 1 ||
      burst.thresholdPercent > 100
    ) {
      throw new RateLimitError('burst.thresholdPercent', 'must be a whole percentage from 1 to 100')
    }
    if (!Number.isInteger(burst.timeSeconds) || burst.timeSeconds < 1) {
      throw new RateLimitError('burst.timeSeconds', 'must be a whole number of seconds, at least 1')
    }
    const up = (r: number) => Math.round((r * (100 + burst.limitPercent)) / 100)
    const threshold = (r: number) => Math.round((r * burst.thresholdPercent) / 100)
    fields.push(
      pair(up(rx), up(tx)),
      pair(threshold(rx), threshold(tx)),
      `${burst.timeSeconds}/${burst.timeSeconds}`,
    )
  } else if (needsTail) {
    // Positional format: later fields need the burst ones present; zeros mean "no burst".
    fields.push('0/0', '0/0', '0/0')
  }

  if (needsTail) {
    const priority = speeds.priority ?? 8
    if (!Number.isInteger(priority) || priority < 1 || priority > 8) {
      throw new RateLimitError('priority', 'must be 1 to 8')
    }
    fields.push(String(priority))
  }
  if (hasMin) {
    const minRx = rate('minUploadKbps', speeds.minUploadKbps ?? 0, true)
    const minTx = rate('minDownloadKbps', speeds.minDownloadKbps ?? 0, true)
    if (minRx > rx) throw new RateLimitError('minUploadKbps', 'must not exceed the upload speed')
    if (minTx > tx) throw new RateLimitError('minDownloadKbps', 'must not exceed the download speed')
    fields.push(pair(minRx, minTx))
  }
  return fields.join(' ')
}
