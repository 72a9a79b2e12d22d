// After `npm install`: rebuild tap with the project's plugin list (tap's TypeScript plugin is removed
// in favour of tsx; tap applies such a change only after a rebuild) when tap is installed, prepare the
// embedded database image, and compile the server for `npm start` (scripts/compile-server.mjs).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' })
if (existsSync('node_modules/tap')) {
  try {
    run(process.execPath, ['node_modules/tap/dist/esm/run.mjs', 'build'])
  } catch {
    console.warn('uplink: `tap build` failed; run it by hand before `npm test`')
  }
}
run(process.execPath, ['--import=tsx', 'scripts/prepare-embedded.ts'])
try {
  run(process.execPath, ['scripts/compile-server.mjs'])
} catch {
  // Not fatal: `npm start` compiles it, or runs the sources through tsx.
  console.warn('uplink: could not compile the server; `npm start` will try again')
}
