import type { FieldError } from '../kernel/errors.ts'
import type { FairUsageRule, TopUpOption } from './schema.ts'
import {
  BUNDLE_FIELDS,
  CAP_ACTIONS,
  CAP_DIRECTIONS,
  Checker,
  INTERNET_FIELDS,
  PLAN_TYPES,
  VOICE_FIELDS,
  checkFairUsage,
  checkTopUps,
  type PlanType,
} from './validation.ts'

/** A plan as an API body or a form gives it: loosely typed, checked by checkPlanInput. */
export type PlanInput = Record<string, unknown>

export interface BundleItemValue {
  planId: number
  quantity: number
}

/** The checked, complete state of a plan (defaults filled, other types' fields null). */
export interface PlanValues {
  type: PlanType
  name: string
  invoiceText: string | null
  description: string | null
  price: string
  taxRateId: number | null
  active: boolean
  allPartners: boolean
  partnerIds: number[]
  downloadKbps: number | null
  uploadKbps: number | null
  burstPercent: number | null
  burstThresholdPercent: number | null
  burstTimeS: number | null
  priority: number | null
  capMb: number | null
  capDirection: (typeof CAP_DIRECTIONS)[number] | null
  capAction: (typeof CAP_ACTIONS)[number] | null
  capDownloadKbps: number | null
  capUploadKbps: number | null
  capReducePercent: number | null
  topUps: TopUpOption[]
  fairUsage: FairUsageRule[]
  voiceRateTableId: number | null
  voiceMarkupPercent: string | null
  voiceIncludedMinutes: number | null
  activationFee: string | null
  contractMonths: number | null
  earlyCancellationFee: string | null
  items: BundleItemValue[]
}

const MAX_KBPS = 100_000_000
const MONEY = { min: '0', max: '99999999999999', scale: 4 }

/**
 * Checks the whole state of a plan (a new one, or an existing one merged with a patch). Every
 * problem is reported with its field; fields of another plan type are refused, not ignored.
 */
export function checkPlanInput(input: PlanInput): { values: PlanValues; errors: FieldError[] } {
  const c = new Checker(input)
  const type = c.oneOf('type', PLAN_TYPES, true)
  const v = {
    type,
    name: c.text('name', { max: 100, required: true }),
    invoiceText: c.text('invoiceText', { max: 200 }) ?? null,
    description: c.text('description', { max: 2000 }) ?? null,
    price: c.decimal('price', { ...MONEY, required: true }),
    taxRateId: c.int('taxRateId', { min: 1, max: 2_147_483_647 }) ?? null,
    active: c.bool('active') ?? true,
    allPartners: c.bool('allPartners') ?? true,
  }
  const partnerIds = ids(input['partnerIds'], 'partnerIds', c.errors)
  if (!v.allPartners && partnerIds.length === 0) {
    c.fail('partnerIds', 'must name at least one partner when the plan is not for all partners')
  }

  const refuse = (fields: readonly string[], kind: string) => {
    for (const f of fields) {
      const value = input[f]
      const empty =
        value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
      if (!empty) c.fail(f, `only ${kind} plans have this`)
    }
  }
  const nulls = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((k) => [k, null])) as Record<K, null>
  const internet: Pick<PlanValues, (typeof INTERNET_FIELDS)[number]> = {
    ...nulls(INTERNET_FIELDS.filter((f) => f !== 'topUps' && f !== 'fairUsage')),
    topUps: [],
    fairUsage: [],
  }
  const voice: Pick<PlanValues, (typeof VOICE_FIELDS)[number]> = nulls(VOICE_FIELDS)
  const bundle: Pick<PlanValues, Exclude<(typeof BUNDLE_FIELDS)[number], 'items'>> & {
    items: BundleItemValue[]
  } = {
    ...nulls(['activationFee', 'contractMonths', 'earlyCancellationFee'] as const),
    items: [],
  }

  if (type !== 'internet') refuse(INTERNET_FIELDS, 'internet')
  if (type !== 'voice') refuse(VOICE_FIELDS, 'voice')
  if (type !== 'bundle') refuse(BUNDLE_FIELDS, 'bundle')

  if (type === 'internet') {
    internet.downloadKbps = c.int('downloadKbps', { min: 1, max: MAX_KBPS, required: true }) ?? null
    internet.uploadKbps = c.int('uploadKbps', { min: 1, max: MAX_KBPS, required: true }) ?? null
    internet.burstPercent = c.int('burstPercent', { min: 0, max: 1000 }) ?? 0
    internet.priority = c.int('priority', { min: 1, max: 8 }) ?? 8
    if (internet.burstPercent > 0) {
      internet.burstThresholdPercent =
        c.int('burstThresholdPercent', { min: 1, max: 100, required: true }) ?? null
      internet.burstTimeS = c.int('burstTimeS', { min: 1, max: 86_400, required: true }) ?? null
    } else {
      internet.burstThresholdPercent = c.int('burstThresholdPercent', { min: 0, max: 100 }) ?? 0
      internet.burstTimeS = c.int('burstTimeS', { min: 0, max: 86_400 }) ?? 0
    }
    internet.capMb = c.int('capMb', { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? null
    if (internet.capMb !== null) {
      internet.capDirection = c.oneOf('capDirection', CAP_DIRECTIONS) ?? 'both'
      internet.capAction = c.oneOf('capAction', CAP_ACTIONS, true) ?? null
      if (internet.capAction === 'fixed_speed') {
        internet.capDownloadKbps = c.int('capDownloadKbps', { min: 1, max: MAX_KBPS, required: true }) ?? null
        internet.capUploadKbps = c.int('capUploadKbps', { min: 1, max: MAX_KBPS, required: true }) ?? null
      } else refuse(['capDownloadKbps', 'capUploadKbps'], 'fixed-speed capped')
      if (internet.capAction === 'reduce') {
        internet.capReducePercent = c.int('capReducePercent', { min: 1, max: 99, required: true }) ?? null
      } else refuse(['capReducePercent'], 'speed-reducing capped')
    } else {
      for (const f of ['capDirection', 'capAction', 'capDownloadKbps', 'capUploadKbps', 'capReducePercent']) {
        const value = c.raw(f)
        if (value !== undefined && value !== null) c.fail(f, 'needs a data cap (capMb)')
      }
    }
    internet.topUps = checkTopUps(input['topUps'], c.errors) ?? []
    if (internet.topUps.length && internet.capMb === null) c.fail('topUps', 'need a data cap (capMb)')
    internet.fairUsage = checkFairUsage(input['fairUsage'], c.errors) ?? []
  }
  if (type === 'voice') {
    voice.voiceRateTableId = c.int('voiceRateTableId', { min: 1, max: 2_147_483_647 }) ?? null
    voice.voiceMarkupPercent = c.decimal('voiceMarkupPercent', { min: '0', max: '1000', scale: 4 }) ?? '0'
    voice.voiceIncludedMinutes = c.int('voiceIncludedMinutes', { min: 0, max: 1_000_000 }) ?? 0
  }
  if (type === 'bundle') {
    bundle.activationFee = c.decimal('activationFee', MONEY) ?? '0'
    bundle.contractMonths = c.int('contractMonths', { min: 0, max: 120 }) ?? 0
    bundle.earlyCancellationFee = c.decimal('earlyCancellationFee', MONEY) ?? '0'
    bundle.items = bundleItems(input['items'], c.errors)
    if (bundle.items.length === 0 && !c.errors.some((e) => e.field.startsWith('items'))) {
      c.fail('items', 'a bundle needs at least one plan')
    }
  }
  const values = { ...v, partnerIds, ...internet, ...voice, ...bundle } as PlanValues
  return { values, errors: c.errors }
}

function ids(value: unknown, field: string, errors: FieldError[]): number[] {
  if (value === undefined || value === null) return []
  const list = Array.isArray(value) ? value : [value]
  const out = new Set<number>()
  for (const item of list) {
    const n = typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : item
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2_147_483_647) {
      errors.push({ field, message: 'must be a list of ids' })
      return []
    }
    out.add(n)
  }
  return [...out].sort((a, b) => a - b)
}

function bundleItems(value: unknown, errors: FieldError[]): BundleItemValue[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || value.length > 20) {
    errors.push({ field: 'items', message: 'must be a list of at most 20 plans' })
    return []
  }
  const out: BundleItemValue[] = []
  for (const [i, item] of value.entries()) {
    const c = new Checker(typeof item === 'object' && item ? (item as Record<string, unknown>) : {})
    const planId = c.int('planId', { min: 1, max: 2_147_483_647, required: true })
    const quantity = c.int('quantity', { min: 1, max: 100 }) ?? 1
    for (const e of c.errors) errors.push({ field: `items.${i}.${e.field}`, message: e.message })
    if (planId) {
      if (out.some((o) => o.planId === planId))
        errors.push({ field: `items.${i}.planId`, message: 'is listed twice' })
      else out.push({ planId, quantity })
    }
  }
  return out
}
