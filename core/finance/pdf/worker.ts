// The body of a PDF render worker: renders the documents the pool sends, one message each, and sends
// the bytes back without copying them.
import { parentPort } from 'node:worker_threads'
import { ValidationError } from '../../kernel/errors.ts'
import type { PdfDocument } from './document.ts'
import { renderPdf } from './render.ts'
import type { RenderFailure, RenderReply, RenderRequest } from './worker-protocol.ts'

function failure(err: unknown): RenderFailure {
  if (err instanceof ValidationError) return { kind: 'validation', message: err.message, fields: err.fields }
  return { kind: 'error', message: err instanceof Error ? err.message : String(err) }
}

parentPort?.on('message', (request: RenderRequest) => {
  renderPdf(request.document as PdfDocument).then(
    (pdf) => {
      // A PDF in an ArrayBuffer of its own (Buffer.concat's, for all but tiny ones) is handed over
      // instead of copied; one sharing Node's buffer pool is copied first.
      const own = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength
      const bytes = own ? new Uint8Array(pdf.buffer, 0, pdf.byteLength) : new Uint8Array(pdf)
      const reply: RenderReply = { id: request.id, pdf: bytes }
      parentPort?.postMessage(reply, [bytes.buffer as ArrayBuffer])
    },
    (err: unknown) => parentPort?.postMessage({ id: request.id, error: failure(err) } satisfies RenderReply),
  )
})
