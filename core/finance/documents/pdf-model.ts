import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { customers } from '../../customers/schema.ts'
import { dec, isLanguage, taxFromGross, taxFromNet, type Language } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { sellerSnapshot } from '../invoices/issue.ts'
import type { PdfCustomer, PdfInvoiceDocument, PdfLine, PdfSeller, PdfStatementDocument, PdfTaxRow } from '../pdf/document.ts'
import type { creditNoteDetail } from '../credit-notes/read.ts'
import type { InvoiceDetail } from '../invoices/read.ts'
import type { Statement } from '../statement/statement.ts'

type Snapshot = Record<string, string | null>

const plain = (v: string) => dec(v).toFixed()
const language = (lang: string): Language => (isLanguage(lang) ? lang : 'en')
const lines = (...parts: (string | null | undefined)[]) => parts.map((p) => p?.trim() ?? '').filter(Boolean)

function seller(s: Snapshot): PdfSeller {
  return {
    name: s.companyName || 'ISP',
    address: lines(s.street, lines(s.zip, s.city).join(' '), s.country),
    taxId: s.taxId,
    email: s.email,
    phone: s.phone,
    logo: null,
  }
}

function customer(s: Snapshot, id: number): PdfCustomer {
  return {
    name: s.name || s.login || `#${id}`,
    company: s.companyName,
    address: lines(s.street, lines(s.zip, s.city).join(' '), s.country),
    vatId: s.vatId,
    login: s.login,
    accountNumber: String(id),
  }
}

interface LineLike {
  description: string
  periodStart: string | null
  periodEnd: string | null
  quantity: string
  unitPrice: string
  discountPercent?: string
  amount: string
  taxPercent: string
  taxIncluded: boolean
}

/** A line as printed: its own net, tax and total (the document totals are the per-rate ones, already computed). */
function line(l: LineLike, currency: string): PdfLine {
  const split = l.taxIncluded ? taxFromGross(l.amount, l.taxPercent, currency) : taxFromNet(l.amount, l.taxPercent, currency)
  return {
    description: l.description,
    periodStart: l.periodStart,
    periodEnd: l.periodEnd,
    quantity: plain(l.quantity),
    unitPrice: plain(l.unitPrice),
    discountPercent: plain(l.discountPercent ?? '0'),
    net: split.net.toFixed(),
    taxRatePercent: plain(l.taxPercent),
    tax: split.tax.toFixed(),
    total: split.gross.toFixed(),
  }
}

const taxRow = (t: { ratePercent: string; net: string; tax: string; gross: string }): PdfTaxRow => ({
  ratePercent: plain(t.ratePercent),
  net: plain(t.net),
  tax: plain(t.tax),
  gross: plain(t.gross),
})

/** An invoice or proforma as the PDF renderer's view-model. */
export function invoicePdfModel(d: InvoiceDetail): PdfInvoiceDocument {
  const inv = d.invoice
  const paid = dec(inv.paidAmount)
  const due = dec(inv.total).minus(paid)
  return {
    kind: inv.kind === 'proforma' ? 'proforma' : 'invoice',
    number: inv.number,
    language: language(inv.language),
    currency: inv.currency,
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    status: inv.status,
    seller: seller(inv.sellerSnapshot),
    customer: customer(inv.customerSnapshot, inv.customerId),
    note: inv.note,
    paymentReference: inv.paymentReference ?? inv.number,
    lines: d.items.map((l) => line(l, inv.currency)),
    taxes: d.taxes.map(taxRow),
    totals: {
      net: plain(inv.net),
      tax: plain(inv.tax),
      total: plain(inv.total),
      ...(paid.gt(0) ? { paid: paid.toFixed() } : {}),
      due: (inv.status === 'void' || due.isNeg() ? dec('0') : due).toFixed(),
    },
  }
}

/** A credit note as the PDF renderer's view-model. */
export function creditNotePdfModel(d: Awaited<ReturnType<typeof creditNoteDetail>>): PdfInvoiceDocument {
  const cn = d.creditNote
  return {
    kind: 'credit_note',
    number: cn.number,
    language: language(cn.language),
    currency: cn.currency,
    issueDate: cn.issueDate,
    status: cn.status === 'void' ? 'void' : null,
    seller: seller(cn.sellerSnapshot),
    customer: customer(cn.customerSnapshot, cn.customerId),
    note: cn.reason,
    relatedNumber: d.invoice?.number ?? null,
    lines: d.items.map((l) => line({ ...l, periodStart: l.periodStart, periodEnd: l.periodEnd }, cn.currency)),
    taxes: d.taxes.map(taxRow),
    totals: { net: plain(cn.net), tax: plain(cn.tax), total: plain(cn.total), due: '0' },
  }
}

/** A statement as the PDF renderer's view-model: the customer as they are now, the seller from the settings. */
export async function statementPdfModel(db: DbOrTx, _actor: Pick<Actor, 'partnerIds'>, s: Statement): Promise<PdfStatementDocument> {
  const [c] = await db.select().from(customers).where(eq(customers.id, s.customer.id))
  const core = await coreSettings(db)
  return {
    kind: 'statement',
    number: `${c!.login}-${s.from}-${s.to}`,
    language: language(c!.language),
    currency: s.currency,
    issueDate: s.to,
    seller: seller(sellerSnapshot(core)),
    customer: customer({ name: c!.name, companyName: c!.companyName, street: c!.street, zip: c!.zip, city: c!.city, country: c!.country, vatId: c!.vatId, login: c!.login }, c!.id),
    periodStart: s.from,
    periodEnd: s.to,
    openingBalance: s.opening,
    closingBalance: s.closing,
    rows: s.rows.map((r) => ({ date: r.date, description: r.description, debit: r.debit, credit: r.credit, balance: r.balance })),
  }
}
