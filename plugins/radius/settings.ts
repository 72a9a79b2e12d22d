/**
 * The plugin's settings (editable in the panel) and their mapping onto the server's reply policy and
 * listener options.
 */
import { type Static, Type } from '../../core/plugin-api.ts'
import type { ReplyPolicy } from './server/policy.ts'

const port = (value: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: value, description })
const list = (value: string, reason: string) =>
  Type.String({
    minLength: 1,
    maxLength: 64,
    default: value,
    description: `MikroTik address list for ${reason}`,
  })

export const RadiusSettings = Type.Object({
  listener: Type.Object(
    {
      enabled: Type.Boolean({
        default: true,
        description: 'Open the RADIUS sockets when the server starts (off: panel only, e.g. on a web-only node)',
      }),
      address: Type.String({
        default: '0.0.0.0',
        description: "Address to listen on ('::' for IPv6 and IPv4)",
      }),
      authPort: port(1812, 'Authentication port'),
      acctPort: port(1813, 'Accounting port'),
      receiveBufferBytes: Type.Integer({
        minimum: 65536,
        default: 8 * 1024 * 1024,
        description: 'Socket receive buffer; the default drops packets when many NASes reconnect at once',
      }),
      duplicateCacheSeconds: Type.Integer({
        minimum: 1,
        maximum: 120,
        default: 10,
        description: 'How long a reply is kept to answer retransmissions of the same request',
      }),
    },
    { title: 'Listener' },
  ),
  accounting: Type.Object(
    {
      interimInterval: Type.Integer({
        minimum: 0,
        maximum: 86400,
        default: 300,
        description:
          'Acct-Interim-Interval sent in every accept, seconds (300–500 is usual; 0 leaves it to the NAS)',
      }),
      staleAfterIntervals: Type.Integer({
        minimum: 2,
        maximum: 20,
        default: 3,
        description:
          'A session with no accounting for this many interim intervals is closed as stale (the NAS lost it)',
      }),
      partitionsAhead: Type.Integer({
        minimum: 1,
        maximum: 24,
        default: 3,
        description: 'Monthly partitions of the raw accounting table created ahead of time',
      }),
      authLogDays: Type.Integer({
        minimum: 1,
        maximum: 3650,
        default: 90,
        description: 'Days the auth log (rejects and restricted logins) is kept',
      }),
    },
    { title: 'Accounting' },
  ),
  security: Type.Object(
    {
      requireMessageAuthenticator: Type.Boolean({
        default: false,
        description:
          'Default for new NAS entries: drop Access-Requests without Message-Authenticator (BlastRADIUS). Turn on once your NASes send it (RouterOS 7.15+); replies always carry it.',
      }),
    },
    { title: 'Security' },
  ),
  rejectPool: Type.Object(
    {
      enabled: Type.Boolean({
        default: true,
        description: 'Accept blocked and unknown users into a restricted session instead of rejecting them',
      }),
      sessionTimeout: Type.Integer({
        minimum: 30,
        maximum: 86400,
        default: 300,
        description: 'Restricted session length, seconds',
      }),
      framedPool: Type.String({
        default: '',
        maxLength: 64,
        description: 'IP pool on the NAS for restricted sessions (Framed-Pool); empty for none',
      }),
      rateLimit: Type.String({
        default: '1M/1M',
        maxLength: 128,
        description: 'Mikrotik-Rate-Limit of restricted sessions; empty for none',
      }),
      listNotFound: list('uplink-not-found', 'unknown users (reason 0)'),
      listBlocked: list('uplink-blocked', 'blocked or inactive services (reason 1)'),
      listNegativeBalance: list('uplink-negative-balance', 'negative balance or data cap (reason 2)'),
      listWrongMac: list('uplink-wrong-mac', 'a MAC other than the bound one (reason 3)'),
      listWrongPassword: list('uplink-wrong-password', 'a wrong password (reason 4)'),
      rejectUnknownUsers: Type.Boolean({
        default: false,
        description: 'Reject unknown users outright instead (reason 0)',
      }),
      rejectWrongPassword: Type.Boolean({
        default: false,
        description: 'Reject wrong passwords outright instead (reason 4)',
      }),
    },
    { title: 'Reject pool' },
  ),
  mppe: Type.Object(
    {
      policy: Type.Union([Type.Literal('allowed'), Type.Literal('required')], {
        default: 'allowed',
        description: 'MS-MPPE-Encryption-Policy for MS-CHAP sessions',
      }),
      types: Type.Union([Type.Literal('40-bit'), Type.Literal('128-bit'), Type.Literal('40-or-128-bit')], {
        default: '40-or-128-bit',
        description: 'MS-MPPE-Encryption-Types',
      }),
    },
    { title: 'MPPE (MS-CHAP)' },
  ),
  coa: Type.Object(
    {
      port: port(3799, 'CoA/Disconnect port on the NAS, unless the NAS entry says otherwise'),
      timeoutSeconds: Type.Integer({ minimum: 1, maximum: 30, default: 3, description: 'Wait per attempt' }),
      retries: Type.Integer({
        minimum: 0,
        maximum: 10,
        default: 2,
        description: 'Retransmissions after the first attempt',
      }),
    },
    { title: 'CoA / Disconnect' },
  ),
})
export type RadiusSettings = Static<typeof RadiusSettings>

const MPPE_TYPES = { '40-bit': 2, '128-bit': 4, '40-or-128-bit': 6 } as const

export function replyPolicyFromSettings(s: RadiusSettings): ReplyPolicy {
  const r = s.rejectPool
  return {
    interimInterval: s.accounting.interimInterval,
    rejectPool: {
      enabled: r.enabled,
      addressLists: [
        r.listNotFound,
        r.listBlocked,
        r.listNegativeBalance,
        r.listWrongMac,
        r.listWrongPassword,
      ],
      framedPool: r.framedPool,
      sessionTimeout: r.sessionTimeout,
      rateLimit: r.rateLimit,
      rejectUnknownUsers: r.rejectUnknownUsers,
      rejectWrongPassword: r.rejectWrongPassword,
    },
    mppe: { policy: s.mppe.policy === 'required' ? 2 : 1, types: MPPE_TYPES[s.mppe.types] },
  }
}
