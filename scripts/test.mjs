// `npm test`: the whole suite, compiled first. Under tsx every test process would spend seconds of CPU
// transforming and resolving some three hundred TypeScript modules through a module hook; esbuild
// bundles all test files at once (shared chunks, packages left in node_modules) in about a second, and
// tap runs the bundles with plain node. `npm test -- <files or tap options>` runs tap on the
// TypeScript sources directly (tsx, as package.json's tap config says), for working on a few files.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bundle, redirectHooks, root } from './bundle.mjs'

const tap = join(root, 'node_modules/.bin/tap')
const args = process.argv.slice(2)
// `--compiled <files>`: only these test files, compiled as in the full run.
const compiledOnly = args[0] === '--compiled' ? args.splice(0).slice(1) : null

const cache = join(root, 'node_modules/.cache/uplink/tests')

/** Files under `dir` (relative to the root) whose names pass `keep`, fixtures excluded. */
function files(dir, keep) {
  const out = []
  const walk = (d) => {
    for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
      const rel = join(d, e.name)
      if (e.isDirectory()) {
        if (e.name !== 'fixtures' && e.name !== 'node_modules') walk(rel)
      } else if (keep(rel)) out.push(rel)
    }
  }
  walk(dir)
  return out.sort()
}

/** Plugin entries loaded by path at run time (loadPlugins): the real plugins and the test fixtures. */
const pluginEntries = ['plugins', 'test/fixtures/plugins'].flatMap((dir) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, dir, d.name, 'index.ts')))
        .map((d) => join(dir, d.name, 'index.ts'))
    : [],
)

async function compiledRun() {
  // Builds left by runs whose process is gone (a killed run).
  for (const name of existsSync(cache) ? readdirSync(cache) : []) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1])
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(cache, name), { recursive: true, force: true })
  }

  const outdir = join(cache, `run-${process.pid}`)
  const tests = files('test', (f) => f.endsWith('.test.ts') && (!compiledOnly || compiledOnly.includes(f)))
  const before = 'test/setup/before.ts'
  const started = performance.now()
  const { metafile } = await bundle({
    entryPoints: [...tests, before, ...pluginEntries].map((f) => join(root, f)),
    outdir,
  })
  const js = (f) => join(outdir, f.replace(/\.ts$/, '.js'))
  console.log(`# ${tests.length} test files compiled in ${Math.round(performance.now() - started)} ms`)
  // UPLINK_TEST_ONLY_DB=1 (CI's embedded run): only the files that open a database; the others behave
  // the same on either database and run once, in the PostgreSQL run.
  const selected =
    process.env.UPLINK_TEST_ONLY_DB === '1'
      ? tests.filter((f) => usesDatabase(metafile, relative(root, js(f))))
      : tests
  if (selected.length < tests.length)
    console.log(`# ${tests.length - selected.length} test files open no database: left to the PostgreSQL run`)
  const preload = join(outdir, 'preload.mjs')
  const plugins = Object.fromEntries(
    pluginEntries.map((f) => [pathToFileURL(join(root, f)).href, pathToFileURL(js(f)).href]),
  )
  writeFileSync(
    preload,
    `import { register } from 'node:module'
  globalThis.uplinkBeforePlugins = () => {
    globalThis.uplinkBeforePlugins = undefined
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(redirectHooks)}`)}, { data: ${JSON.stringify(plugins)} })
  }
  `,
  )
  process.on('exit', () => rmSync(outdir, { recursive: true, force: true }))
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

  run([
    tap,
    `--before=${relative(root, js(before))}`,
    `--node-arg=--import=${pathToFileURL(preload).href}`,
    ...selected.map((f) => relative(root, js(f))),
  ])
}

/** Whether a compiled test file (with the chunks it imports) holds test/helpers/db.ts. */
function usesDatabase(metafile, output) {
  const seen = new Set()
  const queue = [output]
  while (queue.length) {
    const out = metafile.outputs[queue.pop()]
    if (!out) continue
    if (Object.keys(out.inputs).some((input) => input.endsWith('test/helpers/db.ts'))) return true
    for (const imported of out.imports) {
      if (!imported.external && !seen.has(imported.path)) {
        seen.add(imported.path)
        queue.push(imported.path)
      }
    }
  }
  return false
}

function run(argv) {
  const child = spawn(process.execPath, argv, { cwd: root, stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

if (args.length) run([tap, ...args])
else await compiledRun()
