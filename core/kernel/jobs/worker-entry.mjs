// Bree starts every job in a worker thread on this file. Node 20 workers do not inherit tsx's loader,
// so register it here, then run the TypeScript worker body (which imports the job's own module).
import { register } from 'tsx/esm/api'

register()
await import('./worker-run.ts')
