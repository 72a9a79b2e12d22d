import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import t from 'tap'

const root = resolve(import.meta.dirname, '../../../..')
const PUBLIC_API = resolve(root, 'core/plugin-api.ts')

function tsFiles(dir: string): string[] {
  let out: string[] = []
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of entries) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out = out.concat(tsFiles(path))
    else if (/\.(m?ts|mjs|js)$/.test(name)) out.push(path)
  }
  return out
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
export function importsOf(source: string): string[] {
  const out: string[] = []
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!)
  return out
}

/** Problems of one plugin file: relative imports must stay in the plugin's folder or be core/plugin-api.ts. */
export function violations(file: string, pluginDir: string, source: string): string[] {
  const problems: string[] = []
  for (const spec of importsOf(source)) {
    if (!spec.startsWith('.') && !spec.startsWith('/')) continue // a package
    const target = resolve(dirname(file), spec)
    if (target === PUBLIC_API) continue
    if (target === pluginDir || target.startsWith(pluginDir + sep)) continue
    problems.push(
      `${relative(root, file)} imports ${spec} (${relative(root, target)}): plugins may import only core/plugin-api.ts and their own files`,
    )
  }
  return problems
}

function pluginDirs(base: string): string[] {
  try {
    return readdirSync(base)
      .map((n) => join(base, n))
      .filter((p) => statSync(p).isDirectory())
  } catch {
    return []
  }
}

t.test('plugins import only core/plugin-api.ts, never core internals or another plugin', async (t) => {
  const dirs = [...pluginDirs(join(root, 'plugins')), ...pluginDirs(join(root, 'test/fixtures/plugins'))]
  t.ok(
    dirs.some((d) => d.endsWith(`fixtures${sep}plugins${sep}example`)),
    'the example plugin is scanned',
  )
  const problems = dirs.flatMap((dir) =>
    tsFiles(dir).flatMap((file) => violations(file, dir, readFileSync(file, 'utf8'))),
  )
  t.same(problems, [], problems.join('\n'))
})

t.test('the scan catches each kind of forbidden import', async (t) => {
  const dir = join(root, 'plugins/demo')
  const file = join(dir, 'index.ts')
  t.same(
    violations(
      file,
      dir,
      `import { x } from '../../core/plugin-api.ts'\nimport y from './routes.ts'\nimport z from 'fastify'`,
    ),
    [],
  )
  t.equal(
    violations(file, dir, `import { emitEvent } from '../../core/kernel/events/outbox.ts'`).length,
    1,
    'core internals',
  )
  t.equal(
    violations(file, dir, `export * from '../radius/service.ts'`).length,
    1,
    'another plugin (re-export)',
  )
  t.equal(
    violations(file, dir, `const m = await import('../../db/client.ts')`).length,
    1,
    'dynamic import of db',
  )
  t.equal(violations(file, dir, `import '../../core/app.ts'`).length, 1, 'side-effect import')
  t.equal(
    violations(file, dir, `import type { Db } from '../../db/client.ts'`).length,
    1,
    'type-only imports count too',
  )
})
