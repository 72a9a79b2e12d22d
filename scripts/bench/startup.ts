// npm run bench:startup [-- --runs 3] [-- --tsx] — how long a first `npm start` on the embedded database takes to
// serve the login page (migrations included), and a restart on the same data. It runs package.json's
// "start" command as npm does (after compiling the server if the sources changed since `npm install`
// did, as the install would have), polling GET /admin/login every 25 ms. With --runs N it repeats the
// pair on fresh data directories and reports the median. Last line: one JSON object.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
// @ts-expect-error: a plain JavaScript module without types
import { buildServer, freshBuild } from '../compile-server.mjs'

const root = resolve(import.meta.dirname, '../..')
// --tsx: the TypeScript sources through tsx, as `npm run dev` runs them, for comparison.
const startCommand = process.argv.includes('--tsx')
  ? 'tsx core/server.ts'
  : (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a positive whole number`)
    process.exit(64)
  }
  return v
}

async function timeToLogin(dataDir: string, port: number): Promise<number> {
  const started = performance.now()
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  delete env.DATABASE_URL
  const child = spawn(startCommand, { cwd: root, env, shell: true, stdio: ['ignore', 'ignore', 'inherit'], detached: true })
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
    // The shell and the server it started: the whole process group, until every process of it is gone
    // (the server releases the database's lock when it has shut down).
    try {
      process.kill(-child.pid!, 'SIGTERM')
      for (;;) {
        await new Promise((r) => setTimeout(r, 50))
        process.kill(-child.pid!, 0)
      }
    } catch {
      // the group is gone
    }
  }
}

const runs = arg('runs', 1)
if (!freshBuild()) {
  const t = performance.now()
  await buildServer()
  console.log(`compiled the server first (the sources changed since the last build): ${Math.round(performance.now() - t)} ms`)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const firsts: number[] = []
const agains: number[] = []
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-startup-'))
  try {
    const first = await timeToLogin(dir, 39_431)
    console.log(`first start (fresh data dir): ${(first / 1000).toFixed(2)} s`)
    const again = await timeToLogin(dir, 39_432)
    console.log(`restart on existing data: ${(again / 1000).toFixed(2)} s`)
    firsts.push(first)
    agains.push(again)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
console.log(
  JSON.stringify({
    bench: 'startup',
    command: startCommand,
    runs,
    first_start_s: +(median(firsts) / 1000).toFixed(2),
    restart_s: +(median(agains) / 1000).toFixed(2),
  }),
)
