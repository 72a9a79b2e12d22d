// esbuild over the project's TypeScript, shared by the compiled server (compile-server.mjs) and the
// compiled test run (test.mjs). Packages stay in node_modules (imported, not bundled); entry points
// share chunks, so one run holds one copy of each module (one kernel, one set of error classes).
// Each project module keeps its own import.meta.url / dirname / filename, as under tsx: views,
// migrations, fixtures, worker entries and job files are found next to the sources.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

export const root = resolve(import.meta.dirname, '..')

/** Bundles `entryPoints` (absolute paths) into `outdir`, mirroring their paths under the project root. */
export async function bundle({ entryPoints, outdir }) {
  const esbuild = await import('esbuild')
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'))
  const keepImportMeta = {
    name: 'keep-import-meta',
    setup(build) {
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
  return esbuild.build({
    absWorkingDir: root,
    entryPoints,
    outdir,
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
}

/**
 * A module hook (for node:module's register) that sends imports of the given source URLs to their
 * compiled modules: loadPlugins imports plugins/<name>/index.ts by path, and the plugin must share the
 * bundle's modules. Pass the map as register's `data`.
 */
export const redirectHooks = `
  const compiled = new Map()
  export function initialize(data) { for (const [from, to] of Object.entries(data)) compiled.set(from, to) }
  export async function resolve(specifier, context, next) {
    const found = await next(specifier, context)
    const to = compiled.get(found.url)
    return to ? { url: to, format: 'module', shortCircuit: true } : found
  }`
