/**
 * Realistic sample documents in each language, the same for the same seed: the preview of a layout
 * before any invoice exists, the benchmark's data and the tests' fixtures. Amounts are computed with
 * the money module the way the billing engine computes them (tax once per rate).
 */
import { addDays, addMonths, formatDate } from '../../kernel/dates.ts'
import { type Language, dec, invoiceTax, mul, round, sub, toFixed } from '../../kernel/money.ts'
import type {
  PdfDocument,
  PdfDocumentKind,
  PdfDocumentStatus,
  PdfInvoiceDocument,
  PdfLine,
  PdfSeller,
  PdfStatementDocument,
  PdfStatementRow,
} from './document.ts'
import { encodePng } from './logo.ts'

interface LanguageData {
  currency: string
  taxRate: string
  reducedRate: string
  seller: Omit<PdfSeller, 'logo'>
  firstNames: string[]
  lastNames: string[]
  streets: string[]
  cities: string[]
  products: Array<{ description: string; price: string; unit: string; reduced?: boolean; periodic: boolean }>
  payment: string
  note: string
}

const DATA: Record<Language, LanguageData> = {
  en: {
    currency: 'EUR',
    taxRate: '23',
    reducedRate: '13.5',
    seller: {
      name: 'Fastlink Broadband Ltd',
      address: ['Unit 4, Harbour Business Park', 'Cork T12 X2Y4', 'Ireland'],
      taxId: 'IE6388047V',
      email: 'billing@fastlink.example',
      phone: '+353 21 555 0100',
      website: 'fastlink.example',
      bank: { iban: 'IE29 AIBK 9311 5212 3456 78', bic: 'AIBKIE2D', bankName: 'AIB' },
    },
    firstNames: ['Aoife', 'Conor', 'Siobhán', 'Liam', 'Niamh', 'Seán'],
    lastNames: ["O'Brien", 'Murphy', 'Kelly', 'Walsh', 'Byrne', 'Ryan'],
    streets: ['Main Street', 'Church Road', 'Patrick Street', 'Oliver Plunkett St'],
    cities: ['Cork', 'Kinsale', 'Mallow', 'Cobh'],
    products: [
      { description: 'Fibre broadband 300 Mbit/s', price: '45.00', unit: 'mo', periodic: true },
      { description: 'Static IP address', price: '5.00', unit: 'mo', periodic: true },
      { description: 'Wi-Fi 6 router rental', price: '4.50', unit: 'mo', periodic: true },
      { description: 'IPTV basic package', price: '12.990', unit: 'mo', periodic: true, reduced: true },
      { description: 'Installation and activation', price: '60.00', unit: 'pc', periodic: false },
      { description: 'Voice calls to mobile networks', price: '0.0385', unit: 'min', periodic: false },
    ],
    payment: 'Bank transfer',
    note: 'Thank you for choosing Fastlink. Questions about this invoice: billing@fastlink.example.',
  },
  es: {
    currency: 'EUR',
    taxRate: '21',
    reducedRate: '10',
    seller: {
      name: 'Redes Fibra del Sur S.L.',
      address: ['Calle Larios 12, 2º', '29005 Málaga', 'España'],
      taxId: 'B93456789',
      email: 'facturacion@redesfibra.example',
      phone: '+34 952 000 123',
      website: 'redesfibra.example',
      bank: { iban: 'ES91 2100 0418 4502 0005 1332', bic: 'CAIXESBBXXX', bankName: 'CaixaBank' },
    },
    firstNames: ['José', 'María', 'Begoña', 'Íñigo', 'Lucía', 'Andrés'],
    lastNames: ['García', 'Muñoz', 'Peña', 'Núñez', 'López', 'Ibáñez'],
    streets: ['Avenida de Andalucía', 'Calle Nueva', 'Plaza de la Constitución', 'Paseo del Parque'],
    cities: ['Málaga', 'Marbella', 'Ronda', 'Antequera'],
    products: [
      { description: 'Internet fibra óptica 300 Mb/s', price: '35.00', unit: 'mes', periodic: true },
      { description: 'Dirección IP fija', price: '6.00', unit: 'mes', periodic: true },
      { description: 'Alquiler de router Wi-Fi', price: '3.50', unit: 'mes', periodic: true },
      {
        description: 'Paquete de televisión básico',
        price: '9.90',
        unit: 'mes',
        periodic: true,
        reduced: true,
      },
      { description: 'Cuota de alta e instalación', price: '49.00', unit: 'ud.', periodic: false },
      { description: 'Llamadas a móviles', price: '0.0420', unit: 'min', periodic: false },
    ],
    payment: 'Transferencia',
    note: 'Gracias por confiar en nosotros. Atención al cliente: facturacion@redesfibra.example.',
  },
  uk: {
    currency: 'UAH',
    taxRate: '20',
    reducedRate: '7',
    seller: {
      name: 'ТОВ «Швидкий Зв’язок»',
      address: ['вул. Хрещатик, 22, оф. 5', 'Київ, 01001', 'Україна'],
      taxId: '43218765',
      email: 'rahunky@shvydkyi.example',
      phone: '+380 44 555 01 02',
      website: 'shvydkyi.example',
      bank: { iban: 'UA21 3223 1300 0002 6007 2335 6600 1', bic: 'PBANUA2X', bankName: 'АТ КБ «ПриватБанк»' },
    },
    firstNames: ['Олександр', 'Ірина', 'Юрій', 'Ганна', 'Євген', 'Їжак'],
    lastNames: ['Шевченко', 'Коваленко', 'Бондаренко', 'Ткаченко', 'Кравчук', 'Ґудзь'],
    streets: [
      'вул. Січових Стрільців',
      'просп. Перемоги',
      'вул. Велика Васильківська',
      'бульв. Лесі Українки',
    ],
    cities: ['Київ', 'Бровари', 'Ірпінь', 'Біла Церква'],
    products: [
      { description: 'Інтернет 300 Мбіт/с', price: '350.00', unit: 'міс.', periodic: true },
      { description: 'Статична IP-адреса', price: '60.00', unit: 'міс.', periodic: true },
      { description: 'Оренда Wi-Fi роутера', price: '45.00', unit: 'міс.', periodic: true },
      { description: 'Пакет IPTV «Базовий»', price: '120.00', unit: 'міс.', periodic: true, reduced: true },
      {
        description: 'Підключення та налаштування обладнання',
        price: '500.00',
        unit: 'шт.',
        periodic: false,
      },
      { description: 'Дзвінки на мобільні номери', price: '1.2500', unit: 'хв', periodic: false },
    ],
    payment: 'Банківський переказ',
    note: 'Дякуємо, що обрали нас! Питання щодо рахунку: rahunky@shvydkyi.example.',
  },
  pl: {
    currency: 'PLN',
    taxRate: '23',
    reducedRate: '8',
    seller: {
      name: 'Światłowód Łódź Sp. z o.o.',
      address: ['ul. Piotrkowska 120 lok. 4', '90-006 Łódź', 'Polska'],
      taxId: '7251234567',
      email: 'faktury@swiatlowod-lodz.example',
      phone: '+48 42 555 01 20',
      website: 'swiatlowod-lodz.example',
      bank: {
        iban: 'PL61 1090 1014 0000 0712 1981 2874',
        bic: 'WBKPPLPP',
        bankName: 'Santander Bank Polska',
      },
    },
    firstNames: ['Zażółć', 'Małgorzata', 'Łukasz', 'Jędrzej', 'Agnieszka', 'Wojciech'],
    lastNames: ['Gęślą', 'Wiśniewska', 'Żółkiewski', 'Kałuża', 'Dąbrowska', 'Ślęzak'],
    streets: ['ul. Żeromskiego', 'al. Kościuszki', 'ul. Świętojańska', 'ul. Źródlana'],
    cities: ['Łódź', 'Zgierz', 'Pabianice', 'Łęczyca'],
    products: [
      { description: 'Internet światłowodowy 300 Mb/s', price: '69.00', unit: 'mies.', periodic: true },
      { description: 'Stały publiczny adres IP', price: '10.00', unit: 'mies.', periodic: true },
      { description: 'Dzierżawa routera Wi-Fi', price: '5.00', unit: 'mies.', periodic: true },
      {
        description: 'Pakiet telewizji „Podstawowy”',
        price: '29.99',
        unit: 'mies.',
        periodic: true,
        reduced: true,
      },
      {
        description: 'Opłata instalacyjna i aktywacja usługi',
        price: '99.00',
        unit: 'szt.',
        periodic: false,
      },
      { description: 'Połączenia do sieci komórkowych', price: '0.1800', unit: 'min', periodic: false },
    ],
    payment: 'Przelew',
    note: 'Dziękujemy za terminowe płatności. Pytania dotyczące faktury: faktury@swiatlowod-lodz.example.',
  },
}

/** Mulberry32: a tiny deterministic generator, so a seed always gives the same document. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 240 × 80 RGBA PNG logo: a blue rounded badge with a white signal arc on a transparent ground. */
export function sampleLogo(): Uint8Array {
  const width = 240
  const height = 80
  const rows: Buffer[] = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 4)
    for (let x = 0; x < width; x++) {
      const inBadge =
        x >= 4 &&
        x < 76 &&
        y >= 4 &&
        y < 76 &&
        Math.hypot(Math.max(0, Math.abs(x - 40) - 24), Math.max(0, Math.abs(y - 40) - 24)) < 12
      const r = Math.hypot(x - 28, y - 56)
      const arc = inBadge && ((r > 14 && r < 20) || (r > 26 && r < 32) || r < 7)
      const bar = x >= 90 && x < 232 && ((y >= 24 && y < 36) || (y >= 46 && y < 54 && x < 190))
      const p = 1 + x * 4
      if (arc) row.set([255, 255, 255, 255], p)
      else if (inBadge) row.set([20, 90, 190, 255], p)
      else if (bar) row.set([40, 40, 48, 230], p)
    }
    rows.push(row)
  }
  return new Uint8Array(encodePng(width, height, 6, Buffer.concat(rows)))
}

export interface SampleOptions {
  kind?: PdfDocumentKind
  language?: Language
  seed?: number
  /** Number of invoice lines (default 3–8 by seed) or statement rows (default 6–20). */
  lines?: number
  status?: PdfDocumentStatus
  logo?: Uint8Array | null
  issueDate?: string
}

export function sampleDocument(options: SampleOptions = {}): PdfDocument {
  const seed = options.seed ?? 1
  const rnd = random(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!
  const language = options.language ?? (['en', 'es', 'uk', 'pl'] as const)[seed % 4]!
  const d = DATA[language]
  const kind = options.kind ?? 'invoice'
  const issueDate = options.issueDate ?? formatDate(addDays('2026-01-01', Math.floor(rnd() * 330)))
  const first = pick(d.firstNames)
  const last = pick(d.lastNames)
  const base = {
    number: `${kind === 'statement' ? 'ST' : kind === 'credit_note' ? 'CN' : kind === 'proforma' ? 'PF' : kind === 'receipt' ? 'RC' : 'INV'}-${issueDate.slice(0, 4)}-${String(seed).padStart(6, '0')}`,
    language,
    currency: d.currency,
    issueDate,
    status: options.status ?? 'issued',
    seller: { ...d.seller, logo: options.logo === undefined ? sampleLogo() : options.logo },
    customer: {
      name: `${first} ${last}`,
      company: rnd() < 0.2 ? `${last} & ${pick(d.lastNames)}` : null,
      address: [`${pick(d.streets)} ${1 + Math.floor(rnd() * 120)}`, pick(d.cities)],
      vatId: rnd() < 0.2 ? `${language.toUpperCase()}${100000000 + Math.floor(rnd() * 899999999)}` : null,
      login: `${last.toLowerCase().replace(/[^a-z]/g, '') || 'user'}${seed}`,
      accountNumber: String(100000 + seed),
    },
    note: rnd() < 0.5 ? d.note : null,
    paymentReference: `${kind === 'statement' ? 'ACC' : 'INV'} ${String(100000 + seed)} ${issueDate.slice(0, 7)}`,
  }
  if (kind === 'statement') return sampleStatement(base, d, rnd, options.lines)

  const periodStart = `${issueDate.slice(0, 7)}-01`
  const periodEnd = formatDate(addDays(addMonths(periodStart, 1), -1))
  const count = options.lines ?? 3 + Math.floor(rnd() * 6)
  const lines: PdfLine[] = []
  for (let i = 0; i < count; i++) {
    const product = d.products[i % d.products.length]!
    const quantity = product.unit === 'min' ? String(20 + Math.floor(rnd() * 400)) : '1'
    const discountPercent = product.periodic && rnd() < 0.25 ? pick(['5', '10', '12.5']) : '0'
    const gross = mul(quantity, product.price)
    const net = round(gross.minus(gross.times(dec(discountPercent)).div(100)), d.currency)
    const taxRatePercent = product.reduced ? d.reducedRate : d.taxRate
    const tax = round(net.times(dec(taxRatePercent)).div(100), d.currency)
    const sign = kind === 'credit_note' ? -1 : 1
    const signed = (v: ReturnType<typeof dec>) => toFixed(sign < 0 ? v.negated() : v, d.currency)
    lines.push({
      description: i >= d.products.length ? `${product.description} (${i + 1})` : product.description,
      periodStart: product.periodic ? periodStart : null,
      periodEnd: product.periodic ? periodEnd : null,
      quantity,
      unit: product.unit,
      unitPrice: product.price,
      discountPercent,
      net: signed(net),
      taxRatePercent,
      tax: signed(tax),
      total: signed(net.plus(tax)),
    })
  }
  const taxed = invoiceTax(
    lines.map((l) => ({ amount: l.net, ratePercent: l.taxRatePercent, included: false })),
    d.currency,
  )
  const total = toFixed(taxed.gross, d.currency)
  const invoice: PdfInvoiceDocument = {
    ...base,
    kind,
    dueDate: kind === 'invoice' || kind === 'proforma' ? formatDate(addDays(issueDate, 15)) : null,
    relatedNumber:
      kind === 'credit_note' || kind === 'receipt'
        ? `INV-${issueDate.slice(0, 4)}-${String(seed + 7).padStart(6, '0')}`
        : null,
    paymentMethod: kind === 'receipt' ? pick(['cash', 'bank_transfer', 'card'] as const) : null,
    lines,
    taxes: taxed.groups.map((g) => ({
      ratePercent: g.ratePercent.toFixed(),
      net: toFixed(g.net, d.currency),
      tax: toFixed(g.tax, d.currency),
      gross: toFixed(g.gross, d.currency),
    })),
    totals: {
      net: toFixed(taxed.net, d.currency),
      tax: toFixed(taxed.tax, d.currency),
      total,
      ...(kind === 'receipt' ? { paid: total, due: '0' } : {}),
    },
  }
  return invoice
}

function sampleStatement(
  base: Omit<
    PdfStatementDocument,
    'kind' | 'periodStart' | 'periodEnd' | 'openingBalance' | 'closingBalance' | 'rows'
  >,
  d: LanguageData,
  rnd: () => number,
  count = 6 + Math.floor(rnd() * 15),
): PdfStatementDocument {
  const periodEnd = base.issueDate
  const periodStart = formatDate(addMonths(periodEnd, -Math.max(1, Math.ceil(count / 2))))
  let balance = dec(String(Math.floor(rnd() * 60) - 30))
  const openingBalance = toFixed(balance, d.currency)
  const rows: PdfStatementRow[] = []
  for (let i = 0; i < count; i++) {
    const date = formatDate(addDays(periodStart, Math.floor(((i + 1) * 28 * count) / (count + 1) / 2)))
    const isCharge = i % 2 === 0
    const amount = toFixed(dec(d.products[0]!.price).times(isCharge ? '1.23' : '1.2'), d.currency)
    balance = isCharge ? sub(balance, amount) : balance.plus(amount)
    rows.push({
      date,
      description: isCharge
        ? `${d.products[0]!.description} — INV-${date.slice(0, 4)}-${String(1000 + i).padStart(6, '0')}`
        : `${d.payment} ${date}`,
      debit: isCharge ? amount : '',
      credit: isCharge ? '' : amount,
      balance: toFixed(balance, d.currency),
    })
  }
  return {
    ...base,
    kind: 'statement',
    periodStart,
    periodEnd,
    openingBalance,
    closingBalance: toFixed(balance, d.currency),
    rows,
  }
}
