import 'dotenv/config'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { enabledPlugins } from './plugins.ts'

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  /** 32+ characters; signs cookies and encrypts recoverable secrets at rest. Generated into DATA_DIR when unset. */
  INSTANCE_KEY: Type.Optional(Type.String({ minLength: 32 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  TIME_ZONE: Type.String({ minLength: 1, default: 'UTC' }),
  SESSION_IDLE_MINUTES: Type.Integer({ minimum: 1, maximum: 10080, default: 60 }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  SANDBOX: Type.Boolean({ default: false }),
  DB_POOL: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
})

export type Config = Static<typeof ConfigSchema> & { plugins: string[] }

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const NUMERIC = new Set(['PORT', 'SESSION_IDLE_MINUTES', 'DB_POOL'])
const BOOLEAN = new Set(['SANDBOX'])

/** Reads the configuration from an environment map; throws ConfigError naming every wrong variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  const problems: string[] = []
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value === undefined || value === '') continue
    if (NUMERIC.has(key)) {
      if (!/^-?\d+$/.test(value.trim())) {
        problems.push(`${key}=${JSON.stringify(value)}: must be a whole number`)
        continue
      }
      raw[key] = Number(value)
    } else if (BOOLEAN.has(key)) {
      if (!/^(true|false|1|0|yes|no)$/i.test(value)) {
        problems.push(`${key}=${JSON.stringify(value)}: must be true or false`)
        continue
      }
      raw[key] = /^(true|1|yes)$/i.test(value)
    } else raw[key] = value
  }
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const key = error.instancePath.replace(/^\//, '') || 'config'
    problems.push(`${key}=${JSON.stringify(withDefaults[key])}: ${describe(key, error.message)}`)
  }
  if (problems.length) throw new ConfigError(problems)
  const plugins = env.PLUGINS !== undefined ? env.PLUGINS.split(',').map((p) => p.trim()).filter(Boolean) : enabledPlugins
  return { ...(withDefaults as Static<typeof ConfigSchema>), plugins }
}

function describe(key: string, message: string): string {
  if (key === 'PORT') return `must be a port number 0-65535 (${message})`
  if (key === 'DATABASE_URL') return 'must be a postgres:// or postgresql:// URL'
  if (key === 'INSTANCE_KEY') return 'must be at least 32 characters'
  if (key === 'LOG_LEVEL') return 'must be one of fatal, error, warn, info, debug, trace, silent'
  return message
}
