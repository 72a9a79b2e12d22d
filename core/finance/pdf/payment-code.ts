/**
 * The text of a document's payment QR code. Banking apps read two formats that fit our customers:
 * - EUR to an IBAN: the European Payments Council's SEPA credit transfer code (EPC069-12, version 002).
 * - PLN to a Polish account: the Polish banks' (ZBP) two-dimensional code, amount in grosze.
 * Anything else gets a plain, readable payment string (reference, amount, account).
 */
import { dec, gt, lte, toFixed } from '../../kernel/money.ts'

export interface PaymentCodeInput {
  beneficiary: string
  iban?: string | null
  bic?: string | null
  /** Seller's tax id; the Polish format starts with it. */
  taxId?: string | null
  amount: string
  currency: string
  reference: string
}

const compact = (s: string) => s.replace(/\s+/g, '').toUpperCase()
const oneLine = (s: string) => s.replace(/[\r\n|]+/g, ' ').trim()

export function paymentCodeText(input: PaymentCodeInput): string {
  const iban = input.iban ? compact(input.iban) : ''
  const amount = toFixed(input.amount, input.currency)
  if (input.currency === 'EUR' && iban && gt(amount, '0') && lte(amount, '999999999.99')) {
    return [
      'BCD',
      '002',
      '1', // UTF-8
      'SCT',
      input.bic ? compact(input.bic) : '',
      oneLine(input.beneficiary).slice(0, 70),
      iban,
      `EUR${amount}`,
      '', // purpose
      '', // structured creditor reference
      oneLine(input.reference).slice(0, 140),
    ].join('\n')
  }
  if (input.currency === 'PLN' && /^(PL)?\d{26}$/.test(iban) && gt(amount, '0') && lte(amount, '9999.99')) {
    const grosze = dec(amount).times(100).toFixed(0).padStart(6, '0')
    return [
      (input.taxId ?? '').replace(/\D/g, '').slice(0, 10),
      'PL',
      iban.replace(/^PL/, ''),
      grosze,
      oneLine(input.beneficiary).slice(0, 20).trim(),
      oneLine(input.reference).slice(0, 32).trim(),
      '',
      '',
      '',
    ].join('|')
  }
  return [
    `REF:${oneLine(input.reference)}`,
    `AMOUNT:${amount} ${input.currency}`,
    `TO:${oneLine(input.beneficiary)}`,
    ...(iban ? [`IBAN:${iban}`] : []),
    ...(input.bic ? [`BIC:${compact(input.bic)}`] : []),
  ].join('\n')
}
