// npm run bench:pdf -- --invoices 10000 [--workers N] [--keep]
// Renders N realistic invoices (3–8 lines, en/es/uk/pl in turn, the sample ISP's logo) on every core
// into one ZIP, then re-reads the ZIP's directory to check it holds N PDFs. No database is needed:
// the renderer takes plain documents. Last line: one JSON object.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { PdfDocument } from '../../core/finance/pdf/document.ts'
import { sampleDocument, sampleLogo } from '../../core/finance/pdf/sample.ts'
import { writePdfZip } from '../../core/finance/pdf/zip.ts'
import { readStoredZip } from '../../core/finance/pdf/zip-entries.ts'

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '10000' },
    workers: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
})
const invoices = Number(values.invoices)
if (!Number.isInteger(invoices) || invoices < 1) throw new Error('--invoices must be a positive integer')
const workers = values.workers ? Number(values.workers) : availableParallelism()

/** Entries of the ZIP that start with %PDF- and end with %%EOF. */
function countPdfs(zip: Buffer): number {
  return readStoredZip(zip).filter(
    (e) =>
      e.data.toString('latin1', 0, 5) === '%PDF-' && e.data.subarray(-8).toString('latin1').includes('%%EOF'),
  ).length
}

const logo = sampleLogo()
const built = performance.now()
const documents: PdfDocument[] = Array.from({ length: invoices }, (_, i) =>
  sampleDocument({ seed: i + 1, logo }),
)
const buildSeconds = (performance.now() - built) / 1000
console.log(`built ${invoices} invoices in memory in ${buildSeconds.toFixed(1)} s`)

const dir = mkdtempSync(join(tmpdir(), 'uplink-bench-pdf-'))
const path = join(dir, 'invoices.zip')
try {
  const load = loadavg()[0]!
  const started = performance.now()
  // Process CPU time covers every thread, so it says what the run costs whatever else the machine does.
  const cpuStart = process.cpuUsage()
  const result = await writePdfZip(documents, createWriteStream(path), { workers })
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStart)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const pdfs = countPdfs(readFileSync(path))
  if (pdfs !== invoices) throw new Error(`the ZIP holds ${pdfs} valid PDFs, expected ${invoices}`)
  const zipMb = statSync(path).size / 1024 / 1024
  console.log(
    `rendered ${result.files} PDFs with ${workers} workers in ${seconds.toFixed(1)} s ` +
      `(${((seconds * 1000) / invoices).toFixed(1)} ms each, ${(result.pdfBytes / invoices / 1024).toFixed(1)} KiB each); ` +
      `ZIP ${zipMb.toFixed(1)} MiB${values.keep ? ` at ${path}` : ''}; ${cpuSeconds.toFixed(1)} s of CPU ` +
      `(${((cpuSeconds * 1000) / invoices).toFixed(1)} ms per PDF); load average ${load.toFixed(1)} at start`,
  )
  console.log(
    JSON.stringify({
      bench: 'pdf',
      invoices,
      seconds: +seconds.toFixed(1),
      cpu_s: +cpuSeconds.toFixed(1),
      workers,
      pdf_kib: +(result.pdfBytes / invoices / 1024).toFixed(1),
      zip_mib: +zipMb.toFixed(1),
      build_s: +buildSeconds.toFixed(1),
      load_avg: +load.toFixed(1),
    }),
  )
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true })
}
