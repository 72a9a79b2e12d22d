// npm run bench:startup — how long a first `npm start` on the embedded database takes to serve the
// login page (migrations included), and a restart on the same data. Last line: one JSON object.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')

async function timeToLogin(dataDir: string, port: number): Promise<number> {
  const started = performance.now()
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  delete env.DATABASE_URL
  const child = spawn(process.execPath, ['--import=tsx', 'core/server.ts'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] })
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
      try {
        const res = await fetch(`http://127.0.0.1:${port}/admin/login`)
        if (res.status === 200) return performance.now() - started
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error('login page not served within 60 s')
      await new Promise((r) => setTimeout(r, 25))
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
  }
}

const dir = mkdtempSync(join(tmpdir(), 'uplink-startup-'))
try {
  const first = await timeToLogin(dir, 39_431)
  console.log(`first start (fresh data dir): ${(first / 1000).toFixed(2)} s`)
  const again = await timeToLogin(dir, 39_432)
  console.log(`restart on existing data: ${(again / 1000).toFixed(2)} s`)
  console.log(JSON.stringify({ bench: 'startup', first_start_s: +(first / 1000).toFixed(2), restart_s: +(again / 1000).toFixed(2) }))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
