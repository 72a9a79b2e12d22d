import AjvCompiler from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
type Validate = ((data: unknown) => unknown) & { errors?: unknown }

/**
 * Fastify's own compilers (ajv for request validation, fast-json-stringify for responses), each route's
 * schema compiled the first time a request needs it. Fastify compiles them all when routes are
 * registered, which is most of the time it takes to build this app (some 300 routes): a test file that
 * calls a handful of routes pays for all of them. buildApp uses these for tests only (AppOptions
 * lazySchemas); a server compiles everything at boot, where a broken schema should stop it.
 */
export function lazySchemaCompilers(): CompilersFactory {
  const validators = AjvCompiler()
  const serializers = SerializerSelector()
  return {
    buildValidator(externalSchemas, ajvOptions) {
      const compile = validators(externalSchemas, ajvOptions)
      return (route) => {
        let compiled: Validate | undefined
        const validate: Validate = (data) => {
          compiled ??= compile(route) as Validate
          const result = compiled(data)
          validate.errors = compiled.errors
          return result
        }
        return validate as ReturnType<typeof compile>
      }
    },
    buildSerializer(externalSchemas, serializerOptions) {
      const compile = serializers(externalSchemas, serializerOptions)
      return (route) => {
        let compiled: ((doc: unknown) => string) | undefined
        return (doc: unknown) => {
          compiled ??= compile(route)
          return compiled(doc)
        }
      }
    },
  }
}
