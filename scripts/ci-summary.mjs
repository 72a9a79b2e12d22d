// Sums tap's closing "# { total: N, pass: N, fail: N, skip: N }" lines of several runs into one plain
// line, printed last. Before it, the slowest test files of each run (from tap's "ok N - file # time=")
// lines), to show where CI's time goes.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

let pass = 0
let fail = 0
let skip = 0
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8')
  // `npm test` runs the compiled files (node_modules/.cache/uplink/tests/run-<pid>/test/….test.js):
  // named here by their sources.
  const times = [...text.matchAll(/^(?:not )?ok \d+ - (\S+\.test\.[tj]s) # time=([\d.]+)ms/gm)]
    .map((m) => ({ file: m[1].replace(/^.*\/run-\d+\//, '').replace(/\.js$/, '.ts'), s: Number(m[2]) / 1000 }))
    .sort((a, b) => b.s - a.s)
  if (times.length) {
    const total = times.reduce((sum, t) => sum + t.s, 0)
    console.log(`slowest test files in ${basename(file)} (of ${times.length}, ${Math.round(total)} s in all):`)
    for (const t of times.slice(0, 8)) console.log(`  ${t.s.toFixed(1).padStart(6)} s  ${t.file}`)
  }
  const lines = text.split('\n').filter((l) => /^# \{ total: \d+/.test(l))
  const last = lines.at(-1)
  if (!last) {
    fail += 1 // a run that printed no summary crashed before it could count
    continue
  }
  const count = (key) => Number(last.match(new RegExp(`${key}: (\\d+)`))?.[1] ?? 0)
  pass += count('pass')
  fail += count('fail')
  skip += count('skip') + count('todo')
}
console.log(`${pass} passed, ${fail} failed, ${skip} skipped`)
