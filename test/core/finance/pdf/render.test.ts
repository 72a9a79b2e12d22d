import t from 'tap'
import type {
  PdfDocument,
  PdfDocumentKind,
  PdfInvoiceDocument,
} from '../../../../core/finance/pdf/document.ts'
import { documentFormat } from '../../../../core/finance/pdf/format.ts'
import { labelsFor } from '../../../../core/finance/pdf/labels.ts'
import { renderPdf } from '../../../../core/finance/pdf/render.ts'
import { sampleDocument } from '../../../../core/finance/pdf/sample.ts'
import type { Language } from '../../../../core/kernel/money.ts'
import { needsPdftotext, pageCount, pdfText } from './pdftotext.ts'

const KINDS: PdfDocumentKind[] = ['invoice', 'proforma', 'credit_note', 'receipt', 'statement']
const LANGUAGES: Language[] = ['en', 'es', 'uk', 'pl']
// pdftotext turns the no-break spaces of formatted amounts into plain ones.
const plain = (s: string) => s.replace(/\u00a0/g, ' ')

t.test('every kind renders in every language with a subset of DejaVu Sans embedded', async (t) => {
  for (const kind of KINDS) {
    for (const language of LANGUAGES) {
      const pdf = await renderPdf(sampleDocument({ kind, language, seed: 11 }))
      const raw = pdf.toString('latin1')
      t.equal(raw.slice(0, 5), '%PDF-', `${kind}/${language} is a PDF`)
      t.ok(raw.trimEnd().endsWith('%%EOF'), `${kind}/${language} is complete`)
      t.match(raw, /\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/, `${kind}/${language} embeds DejaVuSans`)
      t.match(raw, /\/FontFile2 \d+ 0 R/, `${kind}/${language} embeds the TrueType program`)
      t.notMatch(raw, /\/BaseFont \/Helvetica/, `${kind}/${language} uses no built-in font`)
      t.match(raw, new RegExp(`/Lang \\(${language}\\)`), 'the document language is declared')
    }
  }
})

t.test('the text reads back in the customer language, Cyrillic and Polish letters included', async (t) => {
  const opts = needsPdftotext(t)
  t.test('text', opts, async (t) => {
    for (const kind of KINDS) {
      for (const language of LANGUAGES) {
        const doc = sampleDocument({ kind, language, seed: 5 })
        const text = plain(pdfText(await renderPdf(doc)))
        const L = labelsFor(language)
        const f = documentFormat(language, doc.currency)
        t.ok(text.includes(L.title[kind]), `${kind}/${language}: title "${L.title[kind]}"`)
        t.ok(text.includes(doc.number), `${kind}/${language}: number`)
        t.ok(text.includes(doc.customer.name), `${kind}/${language}: customer "${doc.customer.name}"`)
        t.ok(text.includes(doc.seller.name), `${kind}/${language}: seller "${doc.seller.name}"`)
        t.ok(
          text.includes(f.date(doc.issueDate)),
          `${kind}/${language}: date of issue as ${f.date(doc.issueDate)}`,
        )
        if (doc.kind === 'statement') {
          t.ok(text.includes(L.closingBalance), `${kind}/${language}: closing balance label`)
          t.ok(
            text.includes(plain(f.amount(doc.closingBalance))),
            `${kind}/${language}: closing balance amount`,
          )
        } else {
          t.ok(
            text.includes(plain(f.money(doc.totals.total))),
            `${kind}/${language}: total ${f.money(doc.totals.total)}`,
          )
          t.ok(text.includes(doc.lines[0]!.description), `${kind}/${language}: first line's description`)
        }
      }
    }
    const uk = plain(pdfText(await renderPdf(sampleDocument({ language: 'uk', seed: 2 }))))
    t.match(uk, /Рахунок-фактура/, 'Ukrainian title')
    t.match(uk, /Інтернет 300 Мбіт\/с/, 'Ukrainian description with і and ї-range letters')
    t.match(uk, /До сплати/, 'Ukrainian amount due')
    t.match(uk, /₴/, 'hryvnia sign')
    const pl = plain(
      pdfText(await renderPdf(sampleDocument({ kind: 'credit_note', language: 'pl', seed: 2 }))),
    )
    t.match(pl, /Faktura korygująca/, 'Polish ą')
    t.match(pl, /Światłowód Łódź Sp\. z o\.o\./, 'Polish Ś, ł, ó, Ł, ź')
    t.match(pl, /zł/, 'złoty sign')
  })
})

t.test('amounts, dates and percentages are formatted per language', async (t) => {
  const doc = sampleDocument({ language: 'pl', seed: 3, lines: 1 }) as PdfInvoiceDocument
  doc.lines[0] = {
    ...doc.lines[0]!,
    quantity: '1',
    unitPrice: '1234.5',
    net: '1234.50',
    discountPercent: '12.5',
  }
  doc.totals = { net: '1234.50', tax: '283.94', total: '1518.44', due: '1518.44' }
  doc.issueDate = '2026-03-05'
  t.test('pl', needsPdftotext(t), async (t) => {
    const text = plain(pdfText(await renderPdf(doc)))
    t.match(text, /1518,44 zł/, 'pl money: comma decimal, no grouping below 10 000, symbol after')
    t.match(text, /05\.03\.2026/, 'pl date DD.MM.YYYY')
    t.match(text, /12,5%/, 'pl percentage')
    const en = plain(pdfText(await renderPdf({ ...doc, language: 'en', currency: 'EUR' })))
    t.match(en, /€1,518\.44/, 'en money: symbol first, grouped')
    t.match(en, /05\/03\/2026/, 'en date DD/MM/YYYY')
  })
})

t.test('statuses print a watermark; proformas say they are not tax invoices', async (t) => {
  t.test('watermarks', needsPdftotext(t), async (t) => {
    const paid = pdfText(await renderPdf(sampleDocument({ language: 'es', status: 'paid', seed: 4 })))
    t.match(paid, /PAGADA/)
    const draft = pdfText(await renderPdf(sampleDocument({ language: 'uk', status: 'void', seed: 4 })))
    t.match(draft, /АНУЛЬОВАНО/)
    const issued = pdfText(await renderPdf(sampleDocument({ language: 'es', status: 'issued', seed: 4 })))
    t.notMatch(issued, /PAGADA|ANULADA|BORRADOR/)
    const proforma = pdfText(await renderPdf(sampleDocument({ kind: 'proforma', language: 'pl', seed: 4 })))
    t.match(proforma, /Dokument nie jest fakturą VAT\./)
  })
})

t.test('a long invoice flows over several pages with the table header on each', async (t) => {
  const doc = sampleDocument({ language: 'uk', seed: 9, lines: 120 }) as PdfInvoiceDocument
  const pdf = await renderPdf(doc)
  const pages = pageCount(pdf)
  t.ok(pages >= 3, `120 lines take ${pages} pages`)
  t.test('text per page', needsPdftotext(t), async (t) => {
    const L = labelsFor('uk')
    for (let page = 1; page <= pages; page++) {
      const text = pdfText(pdf, page)
      t.ok(text.includes(L.description), `page ${page} repeats the table header`)
      t.ok(text.includes(`Сторінка ${page} з ${pages}`), `page ${page} is numbered "${page} of ${pages}"`)
      if (page > 1) t.ok(text.includes(`${L.title.invoice} ${doc.number}`), `page ${page} names the document`)
    }
    const all = pdfText(pdf)
    for (const n of [1, 60, 120]) t.match(all, new RegExp(`\\n\\s*${n} `), `line ${n} is printed`)
    const last = pdfText(pdf, pages)
    t.ok(
      plain(last).includes(plain(documentFormat('uk', 'UAH').money(doc.totals.total))),
      'totals on the last page',
    )
  })
})

t.test('a statement of many rows flows over pages too, ending with the closing balance', async (t) => {
  const doc = sampleDocument({ kind: 'statement', language: 'pl', seed: 21, lines: 140 }) as PdfDocument & {
    closingBalance: string
  }
  const pdf = await renderPdf(doc)
  const pages = pageCount(pdf)
  t.ok(pages >= 3, `140 rows take ${pages} pages`)
  t.test('text', needsPdftotext(t), async (t) => {
    t.ok(pdfText(pdf, pages).includes('Saldo końcowe'), 'closing balance on the last page')
    t.ok(pdfText(pdf, 2).includes('Winien'), 'header repeated on page 2')
  })
})
