// `npm start`: runs the server compiled at install (scripts/compile-server.mjs) when it matches the
// sources, compiling it first when they changed; tsx on the TypeScript sources when compiling fails.
import { register } from 'node:module'
import { redirectHooks } from './bundle.mjs'
import { buildServer, freshBuild } from './compile-server.mjs'

let build = freshBuild()
if (!build) {
  try {
    build = await buildServer()
  } catch (err) {
    console.warn(
      `uplink: could not compile the server (${err.message.split('\n')[0]}); running the TypeScript sources`,
    )
  }
}

if (build) {
  // loadPlugins imports plugins/<name>/index.ts by path: send it to the compiled module, so that the
  // plugin shares the bundle's modules (one copy of the kernel, its error classes, its registries).
  // Registered just before the plugins load (core/server.ts calls it): every import after a module
  // hook is registered goes through the hook's thread, so the bundle and its packages load before it.
  globalThis.uplinkBeforePlugins = () => {
    globalThis.uplinkBeforePlugins = undefined
    register(`data:text/javascript,${encodeURIComponent(redirectHooks)}`, { data: build.plugins })
  }
  await import(build.entry)
} else {
  const { register: registerTsx } = await import('tsx/esm/api')
  registerTsx()
  await import('../core/server.ts')
}
