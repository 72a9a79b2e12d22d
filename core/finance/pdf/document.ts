/**
 * What the PDF renderer takes: plain data, already computed and already in the customer's language
 * where it is free text. Amounts, quantities and rates are decimal strings ("122.58", "23", "1.5");
 * dates are ISO 'YYYY-MM-DD' strings. The renderer formats them; it never recomputes a total.
 * Everything here can cross a worker thread (structured clone), so no class instances.
 */
import type { Language } from '../../kernel/money.ts'

export type PdfDocumentKind = 'invoice' | 'proforma' | 'credit_note' | 'receipt' | 'statement'

/** Statuses that print a watermark across every page; the others print nothing. */
export type PdfDocumentStatus = 'draft' | 'issued' | 'paid' | 'overdue' | 'void'

export type PdfPaymentMethod = 'cash' | 'bank_transfer' | 'card' | 'other'

export interface PdfBankAccount {
  iban: string
  bic?: string | null
  bankName?: string | null
}

export interface PdfSeller {
  name: string
  /** Address lines as printed, top to bottom (street, postcode and city, country). */
  address: string[]
  taxId?: string | null
  email?: string | null
  phone?: string | null
  website?: string | null
  /** PNG or JPEG bytes, drawn at most 150 × 50 pt; null for none. */
  logo: Uint8Array | null
  /** Printed under the payment reference and encoded in the payment QR code. */
  bank?: PdfBankAccount | null
}

export interface PdfCustomer {
  name: string
  company?: string | null
  address: string[]
  vatId?: string | null
  login?: string | null
  /** The customer's account number or id as the ISP shows it. */
  accountNumber?: string | null
}

export interface PdfLine {
  description: string
  periodStart?: string | null
  periodEnd?: string | null
  quantity: string
  /** Unit of the quantity as printed ("month", "szt."); optional. */
  unit?: string | null
  unitPrice: string
  discountPercent: string
  net: string
  taxRatePercent: string
  tax: string
  total: string
}

export interface PdfTaxRow {
  ratePercent: string
  net: string
  tax: string
  gross: string
}

export interface PdfTotals {
  net: string
  tax: string
  total: string
  /** Already paid against this document (invoices); omitted when nothing was paid. */
  paid?: string | null
  /** Left to pay; defaults to `total` when omitted. */
  due?: string | null
}

interface PdfDocumentBase {
  number: string
  language: Language
  currency: string
  /** Date of issue; also the PDF's creation date, so the file depends on nothing else. */
  issueDate: string
  status?: PdfDocumentStatus | null
  seller: PdfSeller
  customer: PdfCustomer
  /** Free text printed at the end ("Thank you", legal notes), already in the customer's language. */
  note?: string | null
  /** What the customer writes on a transfer (invoice number, customer account, RF reference). */
  paymentReference?: string | null
}

export interface PdfInvoiceDocument extends PdfDocumentBase {
  kind: 'invoice' | 'proforma' | 'credit_note' | 'receipt'
  dueDate?: string | null
  /** Credit note: the invoice it corrects; receipt: the invoice(s) it pays. */
  relatedNumber?: string | null
  /** Receipt: how the money came. */
  paymentMethod?: PdfPaymentMethod | null
  lines: PdfLine[]
  taxes: PdfTaxRow[]
  totals: PdfTotals
}

export interface PdfStatementRow {
  date: string
  description: string
  /** What the customer was charged (invoices, fees); "0" or "" when none. */
  debit: string
  /** What the customer paid or was credited; "0" or "" when none. */
  credit: string
  /** Balance after the row: credits − debits, negative when the customer owes. */
  balance: string
}

export interface PdfStatementDocument extends PdfDocumentBase {
  kind: 'statement'
  periodStart: string
  periodEnd: string
  openingBalance: string
  closingBalance: string
  rows: PdfStatementRow[]
}

export type PdfDocument = PdfInvoiceDocument | PdfStatementDocument

export function isStatement(doc: PdfDocument): doc is PdfStatementDocument {
  return doc.kind === 'statement'
}
