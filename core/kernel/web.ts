import { resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import csrf from '@fastify/csrf-protection'
import view from '@fastify/view'
import fastifyStatic from '@fastify/static'
import websocket from '@fastify/websocket'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Eta } from 'eta'
import type { AppContext } from './context.ts'
import { instanceKey } from './secrets.ts'
import { registerLive } from './live.ts'
import { registerSecurityHeaders } from './security-headers.ts'

export const rootDir = resolve(import.meta.dirname, '../..')

/** Cookies, forms, security headers, CSRF, rate limits, views, static files, WebSocket and OpenAPI. */
export async function registerWebStack(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const secret = await instanceKey(ctx)
  await app.register(cookie, { secret, hook: 'onRequest' })
  await app.register(formbody)
  await app.register(multipart, { limits: { fileSize: 50 * 1024 * 1024, files: 1 } })
  registerSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: ctx.config.NODE_ENV === 'production',
  })
  await app.register(rateLimit, { global: false })
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' },
    getToken: (req) => {
      const body = req.body as Record<string, unknown> | undefined
      return (body?._csrf as string | undefined) ?? (req.headers['x-csrf-token'] as string | undefined)
    },
  })
  await app.register(view, {
    engine: { eta: new Eta({ views: rootDir, cache: ctx.config.NODE_ENV === 'production', autoEscape: true }) },
    root: rootDir,
    defaultContext: { appName: 'Uplink' },
  })
  await app.register(fastifyStatic, { root: resolve(rootDir, 'ui/static'), prefix: '/static/', maxAge: '1h' })
  await app.register(fastifyStatic, {
    root: resolve(rootDir, 'node_modules/htmx.org/dist'),
    prefix: '/vendor/htmx/',
    decorateReply: false,
    allowedPath: (path) => path === '/htmx.min.js',
  })
  await app.register(websocket)
  registerLive(app)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Uplink API', version: '1', description: 'REST API of the Uplink ISP management server.' },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created in the panel' } },
      },
      security: [{ apiKey: [] }],
    },
    hiddenTag: 'internal',
    hideUntagged: true,
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true })
}
