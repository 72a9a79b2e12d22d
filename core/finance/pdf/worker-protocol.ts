import type { FieldError } from '../../kernel/errors.ts'
import type { PdfDocument } from './document.ts'

/** Messages between the PDF render pool and its workers. */
export interface RenderRequest {
  id: number
  document: PdfDocument
}

export type RenderFailure =
  | { kind: 'validation'; message: string; fields: FieldError[] }
  | { kind: 'error'; message: string }

export type RenderReply =
  | { id: number; pdf: Uint8Array; error?: undefined }
  | { id: number; error: RenderFailure }
