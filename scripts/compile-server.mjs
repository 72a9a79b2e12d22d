// The server compiled ahead of time: `npm install` (postinstall) bundles core/server.ts and every plugin
// with esbuild into node_modules/.cache/uplink/server/, so that `npm start` (scripts/start.mjs) loads a
// few JavaScript files instead of having tsx transform some three hundred TypeScript modules on every
// start. A build records the size and modification time of every file it read; a build whose sources
// changed since is not used.
//
// Each module keeps its own import.meta.url / dirname / filename (views, migrations, worker entries and
// job files are found next to the sources), and the packages stay in node_modules (imported, not bundled).
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

export const root = resolve(import.meta.dirname, '..')
const cacheDir = join(root, 'node_modules/.cache/uplink/server')
const currentFile = join(cacheDir, 'current.json')
const FORMAT = 1

/** Plugin entry files (plugins/<name>/index.ts): loadPlugins imports them by path at run time. */
function pluginEntries() {
  const dir = join(root, 'plugins')
  let names = []
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
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
      Object.entries(build.plugins).map(([src, js]) => [pathToFileURL(join(root, src)).href, pathToFileURL(join(out, js)).href]),
    ),
  }
}

/** Bundles the server and the plugins; returns the new build (as freshBuild does). */
export async function buildServer() {
  const esbuild = await import('esbuild')
  mkdirSync(cacheDir, { recursive: true })
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'))
  const dir = `b-${Date.now().toString(36)}-${process.pid}`
  const out = join(cacheDir, dir)
  const plugins = pluginEntries()
  const keepImportMeta = {
    name: 'keep-import-meta',
    setup(build) {
      // Every project module sees its own source location, as it does under tsx.
      build.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined
        const source = readFileSync(args.path, 'utf8')
        if (!source.includes('import.meta')) return undefined
        const result = await esbuild.transform(source, {
          loader: args.path.endsWith('ts') ? 'ts' : 'js',
          format: 'esm',
          sourcefile: args.path,
          tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
          define: {
            'import.meta.url': JSON.stringify(pathToFileURL(args.path).href),
            'import.meta.dirname': JSON.stringify(dirname(args.path)),
            'import.meta.filename': JSON.stringify(args.path),
          },
        })
        return { contents: result.code, loader: 'js', resolveDir: dirname(args.path) }
      })
    },
  }
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'core/server.ts'), ...plugins],
    outdir: out,
    outbase: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [keepImportMeta],
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
    plugins: Object.fromEntries(plugins.map((f) => [relative(root, f), relative(root, f).replace(/\.ts$/, '.js')])),
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
