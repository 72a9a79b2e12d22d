import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import type { PluginDefinition } from './define.ts'

const pluginsDir = resolve(import.meta.dirname, '../../../plugins')

/** Imports the enabled plugins by folder name; config, not core, names them. */
export async function loadPlugins(names: string[]): Promise<PluginDefinition[]> {
  const out: PluginDefinition[] = []
  for (const name of names) {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`Plugin name "${name}" is not a folder name under plugins/`)
    const mod = (await import(pathToFileURL(resolve(pluginsDir, name, 'index.ts')).href)) as { default: PluginDefinition }
    if (!mod.default?.name) throw new Error(`plugins/${name}/index.ts does not default-export definePlugin({...})`)
    out.push(mod.default)
  }
  return out
}
