import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Base of every error the domain raises on purpose; `status` is its HTTP code. */
export class AppError extends Error {
  readonly status: number = 500
  readonly code: string = 'internal_error'
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
    this.name = new.target.name
  }
}

export interface FieldError {
  field: string
  message: string
}

/** Input that breaks a rule; `fields` names each offending field. */
export class ValidationError extends AppError {
  override readonly status = 400
  override readonly code = 'validation_failed'
  constructor(
    readonly fields: FieldError[],
    message = fields.map((f) => `${f.field}: ${f.message}`).join('; '),
  ) {
    super(message)
  }
}

export class NotFoundError extends AppError {
  override readonly status = 404
  override readonly code = 'not_found'
  constructor(entity: string, id?: string | number | bigint) {
    super(id === undefined ? `${entity} not found` : `${entity} ${id} not found`)
  }
}

export class ConflictError extends AppError {
  override readonly status = 409
  override readonly code = 'conflict'
}

export class UnauthorizedError extends AppError {
  override readonly status = 401
  override readonly code = 'unauthorized'
  constructor(message = 'Authentication required') {
    super(message)
  }
}

export class ForbiddenError extends AppError {
  override readonly status = 403
  override readonly code = 'forbidden'
  constructor(message = 'You do not have permission for this') {
    super(message)
  }
}

/** A state transition the domain refuses (editing an issued invoice, ...). */
export class StateError extends AppError {
  override readonly status = 409
  override readonly code = 'invalid_state'
}

export class TooManyRequestsError extends AppError {
  override readonly status = 429
  override readonly code = 'too_many_requests'
}

interface ErrorBody {
  error: string
  message: string
  fields?: FieldError[]
}

/** Maps any thrown error to a status and a body; the one place where that happens. */
export function toHttp(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof ValidationError) {
    return { status: err.status, body: { error: err.code, message: err.message, fields: err.fields } }
  }
  if (err instanceof AppError) return { status: err.status, body: { error: err.code, message: err.message } }
  const fe = err as FastifyError
  if (fe?.validation) {
    const fields = fe.validation.map((v) => ({
      field: fieldOf(v.instancePath, v.params as Record<string, unknown>),
      message: v.message ?? 'is invalid',
    }))
    return {
      status: 400,
      body: { error: 'validation_failed', message: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields },
    }
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: fe.code ?? 'bad_request', message: fe.message } }
  }
  return { status: 500, body: { error: 'internal_error', message: 'Internal server error' } }
}

function fieldOf(path: string, params: Record<string, unknown>): string {
  const base = path.replace(/^\//, '').replaceAll('/', '.')
  const missing = params?.missingProperty ?? params?.requiredProperties
  if (typeof missing === 'string') return base ? `${base}.${missing}` : missing
  return base || 'body'
}

/** Installs the error handler. HTML requests get an error page unless a route handles its own form errors. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toHttp(err)
    if (status >= 500) request.log.error({ err }, 'request failed')
    if (wantsHtml(request) && typeof reply.view === 'function') {
      return reply.code(status).view(ERROR_PAGE, { status, error: body, title: `Error ${status}`, home: homeOf(request) })
    }
    return reply.code(status).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    const body = { error: 'not_found', message: `Route ${request.method} ${request.url} not found` }
    if (wantsHtml(request) && typeof reply.view === 'function') {
      return reply.code(404).view(ERROR_PAGE, { status: 404, error: body, title: 'Not found', home: homeOf(request) })
    }
    return reply.code(404).send(body)
  })
}

const ERROR_PAGE = 'ui/views/pages/error.eta'

/** Where the error page's button leads: the portal for portal pages, else the panel. */
function homeOf(request: FastifyRequest): string {
  return request.url.startsWith('/portal') ? '/portal' : '/admin'
}

export function wantsHtml(request: FastifyRequest): boolean {
  if (request.url.startsWith('/api/')) return false
  return (request.headers.accept ?? '').includes('text/html')
}
