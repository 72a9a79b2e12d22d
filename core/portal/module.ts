import { definePlugin } from '../kernel/plugins/define.ts'

export default definePlugin({
  name: 'core:portal',
})
