// HTTP load for the panel bench: wrk (C, a process of its own) when it is installed, autocannon (in a
// worker thread of the bench process) otherwise or with --loader autocannon. wrk's own CPU is far less
// than autocannon's (which parses every response in JavaScript), so on a 2-core machine it leaves more of
// the machine to the server and PostgreSQL that are being measured.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import autocannon from 'autocannon'

export interface LoadResult {
  requests: number
  rps: number
  p50: number
  p95: number
  p99: number
  max: number
  errors: number
}

export type Loader = 'wrk' | 'autocannon'

/** wrk when it is on PATH (unless `--loader autocannon`), else autocannon. */
export function chooseLoader(): Loader {
  const i = process.argv.indexOf('--loader')
  if (i >= 0) return process.argv[i + 1] === 'wrk' ? 'wrk' : 'autocannon'
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return 'wrk'
  } catch (err) {
    // wrk prints its usage and exits 1 for --version: it is there.
    return (err as { status?: number }).status === 1 ? 'wrk' : 'autocannon'
  }
}

const ms = (us: number) => +(us / 1000).toFixed(1)

/** A load of `connections` keep-alive connections for `duration` s, cycling through `paths`. */
export interface LoadJob {
  url: string
  paths: string[]
  headers: Record<string, string>
  connections: number
  duration: number
}

async function runWrk({ url, paths, headers, connections, duration }: LoadJob): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-wrk-'))
  const script = join(dir, 'load.lua')
  // Each request takes the next path of the list; every thread starts at its own place.
  writeFileSync(
    script,
    `local paths = ${luaList(paths)}
local i = 0
${Object.entries(headers)
  .map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`)
  .join('\n')}
init = function(args) i = math.random(#paths) end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d}\\n',
    s.requests, s.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
`,
  )
  try {
    const { stdout } = await promisify(execFile)('wrk', [
      '-t1',
      `-c${connections}`,
      `-d${duration}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      url,
    ])
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '))
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`)
    const r = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>
    return {
      requests: r.requests!,
      rps: Math.round(r.requests! / (r.duration_us! / 1e6)),
      p50: ms(r.p50!),
      p95: ms(r.p95!),
      p99: ms(r.p99!),
      max: ms(r.max!),
      errors: r.errors! + r.non2xx!,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A Lua string literal of printable ASCII (paths are URL-encoded, headers are ASCII). */
function luaString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`not printable ASCII: ${s}`)
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}
const luaList = (items: string[]) => `{${items.map(luaString).join(',')}}`

async function runAutocannon({ url, paths, headers, connections, duration }: LoadJob): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration,
    workers: 1,
    headers,
    requests: paths.map((path) => ({ method: 'GET' as const, path })),
  })
  // autocannon reports p90 and p97.5: p95 is interpolated between them.
  const { p90, p97_5 } = result.latency
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p95: +(p90 + ((p97_5 - p90) * (95 - 90)) / (97.5 - 90)).toFixed(1),
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.non2xx + result.errors + result.timeouts,
  }
}

export function load(loader: Loader, job: LoadJob): Promise<LoadResult> {
  return loader === 'wrk' ? runWrk(job) : runAutocannon(job)
}
