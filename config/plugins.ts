/** Plugins enabled by default: folder names under plugins/. Override with PLUGINS=a,b (empty for none). */
export const enabledPlugins: string[] = ['radius']
