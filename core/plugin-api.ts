/**
 * The one module plugins may import from core (DESIGN.md section 2). Everything a plugin needs —
 * the contract, types, typed errors, money, TypeBox, events, audit, views, settings helpers — is
 * re-exported here, so core internals can move without breaking plugins. A test scans plugins/**
 * and fails on any other import of core or of another plugin.
 */
export { definePlugin } from './kernel/plugins/define.ts'
export type {
  BillingPeriod,
  CustomerTab,
  DomainEvent,
  EventHandler,
  InvoiceItemDraft,
  MenuItem,
  PaymentGateway,
  PluginContext,
  PluginDefinition,
  PluginJob,
} from './kernel/plugins/define.ts'
export type { AppContext } from './kernel/context.ts'
export type { JobContext, JobFunction, JobLogger, JobRunHandle, JobTrigger } from './kernel/jobs/types.ts'
export type { Clock } from './kernel/clock.ts'
export type { Db, DbOrTx, Tx } from '../db/client.ts'
export { rows } from '../db/client.ts'
export type { AdminPrincipal, CustomerPrincipal } from './kernel/auth-types.ts'
export {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  StateError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
  type FieldError,
} from './kernel/errors.ts'
export * as money from './kernel/money.ts'
export { Type, type Static, type TSchema, type TObject } from 'typebox'
export { emitEvent as emit } from './kernel/events/outbox.ts'
export { auditContext, recordAudit, SYSTEM_ACTOR, type Actor } from './audit/service.ts'
export { fieldErrors, flash, render } from './kernel/views.ts'
export { decryptSecret, encryptSecret, instanceKey } from './kernel/secrets.ts'
export { periodContaining } from './finance/periods.ts'

/** Types a job module's default export: `export default defineJob(async (ctx, run) => { ... })`. */
export function defineJob(
  fn: import('./kernel/jobs/types.ts').JobFunction,
): import('./kernel/jobs/types.ts').JobFunction {
  return fn
}
