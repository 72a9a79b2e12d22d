/** Numbers and dates as a document in a given language and currency prints them. */
import { formatDateFor } from '../../kernel/dates.ts'
import { dec, formatMoney, formatNumber, isZero, type Language, minorUnits } from '../../kernel/money.ts'

/** Decimals a value really has ("1.500" has 1), capped. */
function significantPlaces(value: string, cap: number): number {
  const frac = dec(value).toFixed().split('.')[1] ?? ''
  return Math.min(frac.replace(/0+$/, '').length, cap)
}

export interface DocumentFormat {
  /** "€1,234.50" / "1234,50 €": totals. */
  money(value: string): string
  /** "1,234.50" / "1234,50" without the currency: table cells. */
  amount(value: string): string
  /** An amount cell that is empty when the value is "" or zero (statement debit/credit). */
  optionalAmount(value: string): string
  /** Unit prices keep up to 6 decimals when they have them, never fewer than the currency's. */
  unitPrice(value: string): string
  /** "1", "1.5", "0.333". */
  quantity(value: string): string
  /** "23%", "5.5%" (es: "23 %"). */
  percent(value: string): string
  date(value: string): string
  /** "01/03/2026 – 31/03/2026"; one date when start = end; "" when neither is given. */
  period(start: string | null | undefined, end: string | null | undefined): string
}

export function documentFormat(language: Language, currency: string): DocumentFormat {
  const minor = minorUnits(currency)
  const percentSign = language === 'es' ? '\u00a0%' : '%'
  const date = (value: string) => formatDateFor(value, language)
  const amount = (value: string) => formatNumber(value, language, minor)
  return {
    money: (value) => formatMoney(value, currency, language),
    amount,
    optionalAmount: (value) => (value.trim() === '' || isZero(value) ? '' : amount(value)),
    unitPrice: (value) => formatNumber(value, language, Math.max(minor, significantPlaces(value, 6))),
    quantity: (value) => formatNumber(value, language, significantPlaces(value, 4)),
    percent: (value) => formatNumber(value, language, significantPlaces(value, 4)) + percentSign,
    date,
    period: (start, end) => {
      if (start && end) return start === end ? date(start) : `${date(start)} – ${date(end)}`
      if (start) return `${date(start)} –`
      if (end) return `– ${date(end)}`
      return ''
    },
  }
}
