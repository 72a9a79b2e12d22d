/** Printed words of the PDF documents, one catalogue per language. `{x}` marks a value put in. */
import type { Language } from '../../kernel/money.ts'
import type { PdfDocumentKind, PdfDocumentStatus, PdfPaymentMethod } from './document.ts'

export interface PdfLabels {
  title: Record<PdfDocumentKind, string>
  watermark: Partial<Record<PdfDocumentStatus, string>>
  method: Record<PdfPaymentMethod, string>
  number: string
  issueDate: string
  dueDate: string
  period: string
  seller: string
  customer: string
  taxId: string
  vatId: string
  email: string
  phone: string
  login: string
  account: string
  page: string
  continued: string
  amountsIn: string
  lineNo: string
  description: string
  quantity: string
  unitPrice: string
  discount: string
  net: string
  taxRate: string
  tax: string
  total: string
  taxSummary: string
  totalNet: string
  totalTax: string
  totalGross: string
  paid: string
  due: string
  paymentReference: string
  iban: string
  bic: string
  bank: string
  scanToPay: string
  note: string
  corrects: string
  pays: string
  paymentMethod: string
  proformaNotice: string
  date: string
  debit: string
  credit: string
  balance: string
  openingBalance: string
  closingBalance: string
  noActivity: string
}

const en: PdfLabels = {
  title: {
    invoice: 'Invoice',
    proforma: 'Proforma invoice',
    credit_note: 'Credit note',
    receipt: 'Receipt',
    statement: 'Statement of account',
  },
  watermark: { draft: 'DRAFT', paid: 'PAID', void: 'VOID' },
  method: { cash: 'Cash', bank_transfer: 'Bank transfer', card: 'Card', other: 'Other' },
  number: 'Number',
  issueDate: 'Date of issue',
  dueDate: 'Due date',
  period: 'Period',
  seller: 'From',
  customer: 'Bill to',
  taxId: 'Tax ID',
  vatId: 'VAT ID',
  email: 'E-mail',
  phone: 'Phone',
  login: 'Login',
  account: 'Customer no.',
  page: 'Page {page} of {pages}',
  continued: 'continued',
  amountsIn: 'Amounts in {currency}',
  lineNo: '#',
  description: 'Description',
  quantity: 'Qty',
  unitPrice: 'Unit price',
  discount: 'Disc.',
  net: 'Net',
  taxRate: 'Tax %',
  tax: 'Tax',
  total: 'Total',
  taxSummary: 'Tax summary',
  totalNet: 'Total net',
  totalTax: 'Total tax',
  totalGross: 'Total',
  paid: 'Paid',
  due: 'Amount due',
  paymentReference: 'Payment reference',
  iban: 'IBAN',
  bic: 'BIC',
  bank: 'Bank',
  scanToPay: 'Scan to pay',
  note: 'Notes',
  corrects: 'Corrects invoice',
  pays: 'For invoice',
  paymentMethod: 'Payment method',
  proformaNotice: 'This is not a tax invoice.',
  date: 'Date',
  debit: 'Debit',
  credit: 'Credit',
  balance: 'Balance',
  openingBalance: 'Opening balance',
  closingBalance: 'Closing balance',
  noActivity: 'No transactions in this period.',
}

const es: PdfLabels = {
  title: {
    invoice: 'Factura',
    proforma: 'Factura proforma',
    credit_note: 'Factura rectificativa',
    receipt: 'Recibo',
    statement: 'Extracto de cuenta',
  },
  watermark: { draft: 'BORRADOR', paid: 'PAGADA', void: 'ANULADA' },
  method: { cash: 'Efectivo', bank_transfer: 'Transferencia bancaria', card: 'Tarjeta', other: 'Otro' },
  number: 'Número',
  issueDate: 'Fecha de emisión',
  dueDate: 'Vencimiento',
  period: 'Periodo',
  seller: 'Emisor',
  customer: 'Cliente',
  taxId: 'NIF',
  vatId: 'NIF-IVA',
  email: 'Correo electrónico',
  phone: 'Teléfono',
  login: 'Usuario',
  account: 'Nº de cliente',
  page: 'Página {page} de {pages}',
  continued: 'continuación',
  amountsIn: 'Importes en {currency}',
  lineNo: 'Nº',
  description: 'Concepto',
  quantity: 'Cant.',
  unitPrice: 'Precio unit.',
  discount: 'Dto.',
  net: 'Base',
  taxRate: 'IVA %',
  tax: 'IVA',
  total: 'Total',
  taxSummary: 'Desglose de impuestos',
  totalNet: 'Base imponible',
  totalTax: 'Total IVA',
  totalGross: 'Total',
  paid: 'Pagado',
  due: 'Importe a pagar',
  paymentReference: 'Referencia de pago',
  iban: 'IBAN',
  bic: 'BIC',
  bank: 'Banco',
  scanToPay: 'Escanee para pagar',
  note: 'Observaciones',
  corrects: 'Rectifica la factura',
  pays: 'Factura',
  paymentMethod: 'Forma de pago',
  proformaNotice: 'Este documento no es una factura.',
  date: 'Fecha',
  debit: 'Debe',
  credit: 'Haber',
  balance: 'Saldo',
  openingBalance: 'Saldo inicial',
  closingBalance: 'Saldo final',
  noActivity: 'Sin movimientos en este periodo.',
}

const uk: PdfLabels = {
  title: {
    invoice: 'Рахунок-фактура',
    proforma: 'Рахунок-проформа',
    credit_note: 'Кредит-нота',
    receipt: 'Квитанція про оплату',
    statement: 'Виписка з особового рахунку',
  },
  watermark: { draft: 'ЧЕРНЕТКА', paid: 'СПЛАЧЕНО', void: 'АНУЛЬОВАНО' },
  method: { cash: 'Готівка', bank_transfer: 'Банківський переказ', card: 'Картка', other: 'Інше' },
  number: 'Номер',
  issueDate: 'Дата складання',
  dueDate: 'Сплатити до',
  period: 'Період',
  seller: 'Постачальник',
  customer: 'Платник',
  taxId: 'Податковий номер',
  vatId: 'ІПН платника ПДВ',
  email: 'Ел. пошта',
  phone: 'Телефон',
  login: 'Логін',
  account: 'Особовий рахунок',
  page: 'Сторінка {page} з {pages}',
  continued: 'продовження',
  amountsIn: 'Суми в {currency}',
  lineNo: '№',
  description: 'Найменування',
  quantity: 'К-сть',
  unitPrice: 'Ціна',
  discount: 'Знижка',
  net: 'Без ПДВ',
  taxRate: 'ПДВ %',
  tax: 'ПДВ',
  total: 'Разом',
  taxSummary: 'ПДВ за ставками',
  totalNet: 'Разом без ПДВ',
  totalTax: 'Сума ПДВ',
  totalGross: 'Усього',
  paid: 'Сплачено',
  due: 'До сплати',
  paymentReference: 'Призначення платежу',
  iban: 'IBAN',
  bic: 'BIC',
  bank: 'Банк',
  scanToPay: 'Скануйте, щоб сплатити',
  note: 'Примітки',
  corrects: 'Коригує рахунок',
  pays: 'За рахунком',
  paymentMethod: 'Спосіб оплати',
  proformaNotice: 'Цей документ не є податковою накладною.',
  date: 'Дата',
  debit: 'Дебет',
  credit: 'Кредит',
  balance: 'Сальдо',
  openingBalance: 'Сальдо на початок',
  closingBalance: 'Сальдо на кінець',
  noActivity: 'За цей період операцій не було.',
}

const pl: PdfLabels = {
  title: {
    invoice: 'Faktura',
    proforma: 'Faktura proforma',
    credit_note: 'Faktura korygująca',
    receipt: 'Potwierdzenie zapłaty',
    statement: 'Wyciąg z konta',
  },
  watermark: { draft: 'SZKIC', paid: 'ZAPŁACONA', void: 'ANULOWANA' },
  method: { cash: 'Gotówka', bank_transfer: 'Przelew', card: 'Karta', other: 'Inna' },
  number: 'Numer',
  issueDate: 'Data wystawienia',
  dueDate: 'Termin płatności',
  period: 'Okres',
  seller: 'Sprzedawca',
  customer: 'Nabywca',
  taxId: 'NIP',
  vatId: 'NIP / VAT UE',
  email: 'E-mail',
  phone: 'Telefon',
  login: 'Login',
  account: 'Nr klienta',
  page: 'Strona {page} z {pages}',
  continued: 'ciąg dalszy',
  amountsIn: 'Kwoty w {currency}',
  lineNo: 'Lp.',
  description: 'Nazwa usługi',
  quantity: 'Ilość',
  unitPrice: 'Cena jedn.',
  discount: 'Rabat',
  net: 'Netto',
  taxRate: 'VAT %',
  tax: 'VAT',
  total: 'Brutto',
  taxSummary: 'Zestawienie VAT',
  totalNet: 'Razem netto',
  totalTax: 'Razem VAT',
  totalGross: 'Razem brutto',
  paid: 'Zapłacono',
  due: 'Do zapłaty',
  paymentReference: 'Tytuł przelewu',
  iban: 'IBAN',
  bic: 'BIC',
  bank: 'Bank',
  scanToPay: 'Zeskanuj, aby zapłacić',
  note: 'Uwagi',
  corrects: 'Korekta faktury',
  pays: 'Dotyczy faktury',
  paymentMethod: 'Sposób zapłaty',
  proformaNotice: 'Dokument nie jest fakturą VAT.',
  date: 'Data',
  debit: 'Winien',
  credit: 'Ma',
  balance: 'Saldo',
  openingBalance: 'Saldo początkowe',
  closingBalance: 'Saldo końcowe',
  noActivity: 'Brak operacji w tym okresie.',
}

export const PDF_LABELS: Record<Language, PdfLabels> = { en, es, uk, pl }

export function labelsFor(language: Language): PdfLabels {
  return PDF_LABELS[language]
}

/** Puts values into a label: fill('Page {page} of {pages}', { page: 1, pages: 3 }). */
export function fill(label: string, values: Record<string, string | number>): string {
  return label.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? String(values[key]) : whole,
  )
}
