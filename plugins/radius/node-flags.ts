/**
 * Node/V8 flags for a process that runs the RADIUS server (the app with this plugin, or standalone.ts).
 * Replies are kept for retransmissions for `duplicateCacheSeconds`, so at thousands of requests a
 * second every young-generation collection copies most of what the last fraction of a second
 * allocated: its pause grows with the young generation, and a pause is latency for every request
 * queued behind it. A smaller young generation collects more often but each pause is short.
 * See README.md ("Running the server process").
 */
export const RADIUS_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16']
