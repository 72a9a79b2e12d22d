import { createHash } from 'node:crypto'

/** The advisory-lock key of a job: the first 8 bytes of sha256('uplink-job:' + name), as a signed bigint string. */
export function jobLockKey(job: string): string {
  return createHash('sha256').update(`uplink-job:${job}`).digest().readBigInt64BE(0).toString()
}
