// The PDF render pool starts its worker threads on this file. Node 20 workers do not inherit tsx's
// loader, so register it here, then run the TypeScript worker body.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
