import { definePlugin } from '../plugins/define.ts'

export default definePlugin({
  name: 'core:jobs',
})
