import { setFlagsFromString } from 'node:v8'

/**
 * Node/V8 flags for a process that runs the RADIUS server (the app with this plugin, or standalone.ts).
 * A young-generation collection copies what it finds alive, so its pause grows with the young
 * generation, and a pause is latency for every request queued behind it: the semi-space is pinned at
 * V8's default of 16 MiB (larger ones made the longest pauses longer). V8 sizes its heap when the
 * process starts, so this flag belongs on the command line. See README.md ("Running the server process").
 */
export const RADIUS_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16']

/**
 * V8 settings the plugin applies itself when the server starts. With 100,000 subscribers in memory the
 * live heap is some 125 MB, and V8's default growing factor started a full mark-compact every few
 * seconds at 10,000 requests/s: each one's incremental marking slowed the server below the request
 * rate for a fraction of a second, the queue that built up was the auth p99. Letting the old
 * generation grow to twice what is live before the next cycle makes those cycles about ten times
 * rarer for some 100 MB more heap. V8 reads the factor whenever it sets the next limit, so it can be
 * set at run time (it is not an option NODE_OPTIONS accepts).
 */
export function applyRadiusGcSettings(): void {
  setFlagsFromString('--heap-growing-percent=100')
}
