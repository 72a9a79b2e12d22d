import type { Actor } from '../audit/service.ts'

/** Who makes a change, from where and when; passed down from routes to the domain functions that audit it. */
export interface ChangeContext {
  actor: Actor
  ip?: string | null
  at?: Date
  /** The acting admin's role patterns, to refuse granting more than the actor has; undefined for the system. */
  actorPatterns?: readonly string[]
}
