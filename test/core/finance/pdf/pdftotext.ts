// Reads a PDF's text back with poppler's pdftotext, the way a person's viewer would extract it. Tests
// that need it skip with a printed reason where it is missing, and fail under UPLINK_REQUIRE_TOOLS=1.
import { execFileSync, spawnSync } from 'node:child_process'
import type { Test } from 'tap'

const available = spawnSync('pdftotext', ['-v'], { stdio: 'ignore' }).error === undefined

/** A tap option object: skip with the reason when pdftotext is missing (and tools are not required). */
export function needsPdftotext(t: Test): { skip: string | false } {
  if (available) return { skip: false }
  const reason = 'pdftotext (Debian poppler-utils) is not installed'
  if (process.env.UPLINK_REQUIRE_TOOLS === '1') {
    t.fail(`UPLINK_REQUIRE_TOOLS=1 but ${reason}`)
    return { skip: reason }
  }
  console.log(`# skipping text extraction: ${reason}`)
  return { skip: reason }
}

/** The text of the PDF (one page or all) in drawing order (-raw: rotated watermarks read as words). */
export function pdfText(pdf: Buffer, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)]
  return execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', ...range, '-', '-'], { input: pdf }).toString(
    'utf8',
  )
}

/** Number of pages, from the page tree's /Count. */
export function pageCount(pdf: Buffer): number {
  const m = /\/Type \/Pages\n\/Count (\d+)/.exec(pdf.toString('latin1'))
  if (!m) throw new Error('no page tree in the PDF')
  return Number(m[1])
}
