import type { FieldError } from '../kernel/errors.ts'
import type { PlanInput } from './check-plan.ts'
import type { FairUsageRule, TopUpOption } from './schema.ts'
import { INTERNET_FIELDS } from './validation.ts'

/** A form body as @fastify/formbody gives it: repeated names become arrays. */
export type FormBody = Record<string, string | string[] | undefined>

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.at(-1) : v)
/** The checkbox partial sends "false", then "true" when ticked. */
const ticked = (v: string | string[] | undefined) =>
  Array.isArray(v) ? v.includes('true') : v === 'true' || v === 'on'
/** "19,99" typed in a comma-decimal language is 19.99. */
const decimal = (v: string | undefined) =>
  v && /^-?\d+,\d+$/.test(v.trim()) ? v.trim().replace(',', '.') : v

const TEXT_FIELDS = ['name', 'invoiceText', 'description', 'taxRateId']
/** Whole-number and choice fields: every internet field but the lists, and the voice and bundle counts. */
const NUMBER_FIELDS: string[] = [
  ...INTERNET_FIELDS.filter((f) => f !== 'topUps' && f !== 'fairUsage'),
  'voiceRateTableId',
  'voiceIncludedMinutes',
  'contractMonths',
]
const DECIMAL_FIELDS = ['price', 'voiceMarkupPercent', 'activationFee', 'earlyCancellationFee']

/** Top-ups as lines "name | MB | price". */
export function topUpsToText(list: TopUpOption[]): string {
  return list.map((t) => `${t.name} | ${t.mb} | ${t.price}`).join('\n')
}

/** Fair-usage rules as lines "name | free | 01:00-07:00 | 1,2,3,4,5,6,7" or "... | speed | 18:00-23:00 | 1-7 | 2048/512". */
export function fairUsageToText(list: FairUsageRule[]): string {
  return list
    .map((r) => {
      const parts = [r.name, r.kind, `${r.from}-${r.to}`, r.weekdays.join(',')]
      if (r.kind === 'speed') parts.push(`${r.downloadKbps}/${r.uploadKbps}`)
      return parts.join(' | ')
    })
    .join('\n')
}

function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
}

function weekdays(spec: string): number[] | string {
  const out: number[] = []
  for (const part of spec.split(',').map((s) => s.trim())) {
    const range = /^(\d)-(\d)$/.exec(part)
    if (range) for (let d = Number(range[1]); d <= Number(range[2]); d++) out.push(d)
    else if (/^\d$/.test(part)) out.push(Number(part))
    else return spec
  }
  return out.length ? out : spec
}

/** Reads the plan form into the same input the API takes; line-format problems are reported by field. */
export function planInputFromForm(body: FormBody, type: string): { input: PlanInput; errors: FieldError[] } {
  const errors: FieldError[] = []
  const input: PlanInput = { type }
  for (const f of TEXT_FIELDS) input[f] = one(body[f]) ?? null
  for (const f of DECIMAL_FIELDS) if (body[f] !== undefined) input[f] = decimal(one(body[f])) ?? null
  for (const f of NUMBER_FIELDS) if (body[f] !== undefined) input[f] = one(body[f]) ?? null
  input['active'] = ticked(body['active'])
  input['allPartners'] = ticked(body['allPartners'])
  const partnerIds = body['partnerIds']
  input['partnerIds'] = input['allPartners']
    ? []
    : Array.isArray(partnerIds)
      ? partnerIds
      : partnerIds
        ? [partnerIds]
        : []

  if (type === 'internet') {
    if (!one(body['capMb'])?.trim()) {
      for (const f of [
        'capMb',
        'capDirection',
        'capAction',
        'capDownloadKbps',
        'capUploadKbps',
        'capReducePercent',
      ])
        input[f] = null
    } else {
      if (input['capAction'] !== 'fixed_speed') input['capDownloadKbps'] = input['capUploadKbps'] = null
      if (input['capAction'] !== 'reduce') input['capReducePercent'] = null
    }
    if (!one(body['burstPercent'])?.trim() || one(body['burstPercent'])?.trim() === '0') {
      input['burstThresholdPercent'] = input['burstTimeS'] = null
    }
    input['topUps'] = lines(one(body['topUps'])).map((line, i) => {
      const [name, mb, price, ...rest] = line.split('|').map((s) => s.trim())
      if (!name || !mb || !price || rest.length)
        errors.push({ field: 'topUps', message: `line ${i + 1}: write "name | MB | price"` })
      return { name, mb: /^\d+$/.test(mb ?? '') ? Number(mb) : mb, price: decimal(price) }
    })
    input['fairUsage'] = lines(one(body['fairUsage'])).map((line, i) => {
      const [name, kind, window, days, speeds] = line.split('|').map((s) => s.trim())
      const [from, to] = (window ?? '').split('-').map((s) => s.trim())
      const [down, up] = (speeds ?? '').split('/').map((s) => s.trim())
      if (!name || !kind || !from || !to) {
        errors.push({
          field: 'fairUsage',
          message: `line ${i + 1}: write "name | free or speed | HH:MM-HH:MM | weekdays | down/up kbps"`,
        })
      }
      return {
        name,
        kind,
        from,
        to,
        weekdays: days ? weekdays(days) : undefined,
        downloadKbps: down && /^\d+$/.test(down) ? Number(down) : undefined,
        uploadKbps: up && /^\d+$/.test(up) ? Number(up) : undefined,
      }
    })
  }
  if (type === 'bundle') {
    const items: { planId: number; quantity: number }[] = []
    for (const [key, value] of Object.entries(body)) {
      const m = /^item_(\d+)$/.exec(key)
      const qty = one(value)?.trim()
      if (m && qty && qty !== '0')
        items.push({ planId: Number(m[1]), quantity: /^\d+$/.test(qty) ? Number(qty) : Number.NaN })
    }
    input['items'] = items.sort((a, b) => a.planId - b.planId)
  }
  return { input, errors }
}
