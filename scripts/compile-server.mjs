// The server compiled ahead of time: `npm install` (postinstall) bundles core/server.ts and every plugin
// with esbuild into node_modules/.cache/uplink/server/, so that `npm start` (scripts/start.mjs) loads a
// few JavaScript files instead of having tsx transform some three hundred TypeScript modules on every
// start. A build records the size and modification time of every file it read; a build whose sources
// changed since is not used.
// The bundling itself is scripts/bundle.mjs.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bundle, root } from './bundle.mjs'

export { root }
const cacheDir = join(root, 'node_modules/.cache/uplink/server')
const currentFile = join(cacheDir, 'current.json')
const FORMAT = 1

/** Plugin entry files (plugins/<name>/index.ts): loadPlugins imports them by path at run time. */
function pluginEntries() {
  const dir = join(root, 'plugins')
  let names = []
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  } catch {
    return []
  }
  return names
    .map((name) => join(dir, name, 'index.ts'))
    .filter((file) => {
      try {
        return statSync(file).isFile()
      } catch {
        return false
      }
    })
    .sort()
}

const stamp = (file) => {
  const s = statSync(file)
  return [s.size, s.mtimeMs]
}

/**
 * The current build if every file it was made from is unchanged and no plugin was added or removed;
 * otherwise null. Costs one stat per source file.
 */
export function freshBuild() {
  let build
  try {
    build = JSON.parse(readFileSync(currentFile, 'utf8'))
  } catch {
    return null
  }
  if (build.format !== FORMAT) return null
  const plugins = pluginEntries().map((f) => relative(root, f))
  if (plugins.join('\n') !== Object.keys(build.plugins).sort().join('\n')) return null
  try {
    for (const [file, [size, mtimeMs]] of Object.entries(build.inputs)) {
      const [s, m] = stamp(join(root, file))
      if (s !== size || m !== mtimeMs) return null
    }
    statSync(join(cacheDir, build.dir, 'core/server.js'))
  } catch {
    return null
  }
  return resolveBuild(build)
}

function resolveBuild(build) {
  const out = join(cacheDir, build.dir)
  return {
    entry: pathToFileURL(join(out, 'core/server.js')).href,
    // source URL of each plugin entry -> its compiled module
    plugins: Object.fromEntries(
      Object.entries(build.plugins).map(([src, js]) => [
        pathToFileURL(join(root, src)).href,
        pathToFileURL(join(out, js)).href,
      ]),
    ),
  }
}

/** Bundles the server and the plugins; returns the new build (as freshBuild does). */
export async function buildServer() {
  mkdirSync(cacheDir, { recursive: true })
  const dir = `b-${Date.now().toString(36)}-${process.pid}`
  const plugins = pluginEntries()
  const result = await bundle({
    entryPoints: [join(root, 'core/server.ts'), ...plugins],
    outdir: join(cacheDir, dir),
  })
  const inputs = {}
  for (const file of [...Object.keys(result.metafile.inputs), 'tsconfig.json']) {
    if (file.includes('node_modules/')) continue
    inputs[file] = stamp(join(root, file))
  }
  const build = {
    format: FORMAT,
    dir,
    inputs,
    plugins: Object.fromEntries(
      plugins.map((f) => [relative(root, f), relative(root, f).replace(/\.ts$/, '.js')]),
    ),
  }
  const tmp = `${currentFile}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(build))
  renameSync(tmp, currentFile)
  // Older builds: a running server may still load chunks of its own lazily, so keep the previous one.
  const old = readdirSync(cacheDir)
    .filter((d) => d.startsWith('b-') && d !== dir)
    .map((d) => ({ d, t: statSync(join(cacheDir, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .slice(1)
  for (const { d } of old) rmSync(join(cacheDir, d), { recursive: true, force: true })
  return resolveBuild(build)
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const started = performance.now()
  await buildServer()
  console.log(`uplink: server compiled in ${Math.round(performance.now() - started)} ms`)
}
