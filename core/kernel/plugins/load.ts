import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import type { PluginDefinition } from './define.ts'

const pluginsDir = resolve(import.meta.dirname, '../../../plugins')

/** Imports the enabled plugins by folder name; config, not core, names them. */
export async function loadPlugins(names: string[], dir = pluginsDir): Promise<PluginDefinition[]> {
  const out: PluginDefinition[] = []
  const seen = new Set<string>()
  for (const name of names) {
    if (!/^[a-z][a-z0-9-]*$/.test(name))
      throw new Error(`Plugin name "${name}" is not a folder name under plugins/`)
    if (seen.has(name)) throw new Error(`Plugin "${name}" is enabled twice`)
    seen.add(name)
    const file = resolve(dir, name, 'index.ts')
    if (!existsSync(file))
      throw new Error(`Unknown plugin "${name}": ${file} does not exist (check PLUGINS / config/plugins.ts)`)
    const url = pathToFileURL(file).href
    // A compiled run (scripts/start.mjs, scripts/test.mjs) sends plugins/<name>/index.ts to its compiled
    // module from here on: only the imports after this point pay for the module hook.
    ;(globalThis as { uplinkBeforePlugins?: () => void }).uplinkBeforePlugins?.()
    const mod = (await import(url)) as { default?: PluginDefinition }
    if (!mod.default?.name)
      throw new Error(`plugins/${name}/index.ts does not default-export definePlugin({...})`)
    if (mod.default.name !== name) {
      throw new Error(
        `plugins/${name}/index.ts declares the name "${mod.default.name}"; a plugin's name must equal its folder name`,
      )
    }
    out.push({ ...mod.default, url: mod.default.url ?? url })
  }
  return out
}
