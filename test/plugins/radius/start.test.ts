// Starting the plugin: a port that cannot be bound leaves the panel running and says why; in tests the
// plugin opens no port unless asked.
import { createSocket } from 'node:dgram'
import t from 'tap'
import { createRadiusPlugin } from '../../../plugins/radius/index.ts'
import { testApp } from '../../helpers/app.ts'

const busy = createSocket('udp4')
await new Promise<void>((resolve) => busy.bind(0, '127.0.0.1', resolve))
t.teardown(() => busy.close())
const taken = busy.address().port

const plugin = createRadiusPlugin({ listener: { host: '127.0.0.1', authPort: taken, acctPort: 0 } })
const ctx = await testApp({ plugins: [plugin] })
t.teardown(ctx.close)

t.test('a port in use: no RADIUS, a clear reason, and the panel still answers', async (t) => {
  t.equal(plugin.state.runtime, undefined)
  t.match(plugin.state.notListening, new RegExp(`cannot listen on 127\\.0\\.0\\.1 UDP ${taken}/0: .*EADDRINUSE`))
  const health = await ctx.app.inject({ method: 'GET', url: '/admin/login' })
  t.equal(health.statusCode, 200, 'the panel is up')
})

t.test('without an explicit listener, tests open no port', async (t) => {
  const plain = createRadiusPlugin()
  await plain.start!(ctx.app.host.contextFor(plugin))
  t.equal(plain.state.runtime, undefined)
  t.match(plain.state.notListening, /tests do not open the RADIUS ports/)
  await plain.stop!()
})
