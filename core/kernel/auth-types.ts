/** Who is making a request. Filled by the admin guard (core/admins/guard.ts) and the portal guard. */
export interface AdminPrincipal {
  id: number
  login: string
  name: string
  roleId: number
  permissions: ReadonlySet<string>
  /** null: all partners; otherwise the partners this admin is limited to. */
  partnerIds: number[] | null
  via: 'session' | 'apikey'
  sessionId?: string
  apiKeyId?: number
}

export interface CustomerPrincipal {
  id: number
  partnerId: number
  login: string
  name: string
}

declare module 'fastify' {
  interface FastifyRequest {
    admin: AdminPrincipal | null
    customer: CustomerPrincipal | null
  }
  interface FastifyContextConfig {
    /** Permission an admin (session or API key) needs for this route. Every /admin and /api/v1 route declares one or `public`. */
    permission?: string
    /** Reachable without logging in (login page, webhooks, health). */
    public?: boolean
  }
}
