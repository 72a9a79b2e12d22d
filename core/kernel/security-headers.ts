import type { FastifyInstance } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'

/**
 * Helmet's security headers, worked out once. @fastify/helmet builds a new helmet middleware on every
 * request (parsing the CSP directives each time), which cost more than a whole small API request here;
 * the headers never vary per request in this app, so helmet runs once at boot against a recording
 * response and every reply gets the recorded set.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  let failure: unknown
  helmet(options)({} as never, recorder as never, (err?: unknown) => {
    failure = err
  })
  if (failure) throw failure
  return headers
}

/** Adds the security headers to every reply (routes may still override one, as swagger-ui does its CSP). */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeaders(options)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}
