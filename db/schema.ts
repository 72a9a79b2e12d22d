// Every table, core and plugins, for drizzle-kit and for typed queries. Plugins add their schema here.
export * from '../core/partners/schema.ts'
export * from '../core/admins/schema.ts'
export * from '../core/audit/schema.ts'
export * from '../core/settings/schema.ts'
export * from '../core/customers/schema.ts'
export * from '../core/kernel/events/schema.ts'
export * from '../core/kernel/jobs/schema.ts'
