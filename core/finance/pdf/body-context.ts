import type { DocumentFormat } from './format.ts'
import type { PdfLabels } from './labels.ts'
import type { Writer } from './writer.ts'

/** What the body of a document is drawn with. */
export interface BodyContext {
  w: Writer
  labels: PdfLabels
  format: DocumentFormat
  /** Starts a new page (with its continuation header) and returns the y where the body goes on. */
  newPage: () => number
}
