// Sums tap's closing "# { total: N, pass: N, fail: N, skip: N }" lines of several runs into one plain line.
import { readFileSync } from 'node:fs'

let pass = 0
let fail = 0
let skip = 0
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => /^# \{ total: \d+/.test(l))
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
