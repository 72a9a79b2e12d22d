/** Reply policy: what every accept carries, and how restricted (reject-pool) sessions look. */

export interface RejectPoolPolicy {
  /** Off: every restrict decision becomes an Access-Reject. */
  enabled: boolean
  /** MikroTik address list per reason: [0 not found, 1 blocked, 2 negative balance/cap, 3 wrong MAC, 4 wrong password]. */
  addressLists: [string, string, string, string, string]
  /** Framed-Pool naming the NAS's IP pool for restricted sessions; empty for none. */
  framedPool: string
  /** Session-Timeout of a restricted session, seconds: short, so a payment takes effect soon. */
  sessionTimeout: number
  /** Mikrotik-Rate-Limit of a restricted session; empty for none. */
  rateLimit: string
  /** Answer unknown users (reason 0) with Access-Reject instead of a restricted session. */
  rejectUnknownUsers: boolean
  /** Answer wrong passwords (reason 4) with Access-Reject instead of a restricted session. */
  rejectWrongPassword: boolean
}

export interface ReplyPolicy {
  /** Acct-Interim-Interval sent in every accept (seconds); 0 leaves it to the NAS. */
  interimInterval: number
  rejectPool: RejectPoolPolicy
  /** MPPE for MS-CHAP sessions: MS-MPPE-Encryption-Policy (1 allowed, 2 required) and -Types (2 = 40-bit, 4 = 128-bit, 6 = both). */
  mppe: { policy: 1 | 2; types: number }
}

export const defaultReplyPolicy = (): ReplyPolicy => ({
  interimInterval: 300,
  rejectPool: {
    enabled: true,
    addressLists: [
      'uplink-not-found',
      'uplink-blocked',
      'uplink-negative-balance',
      'uplink-wrong-mac',
      'uplink-wrong-password',
    ],
    framedPool: '',
    sessionTimeout: 300,
    rateLimit: '1M/1M',
    rejectUnknownUsers: false,
    rejectWrongPassword: false,
  },
  mppe: { policy: 1, types: 6 },
})
