/**
 * The RADIUS server's seams: where NAS secrets, subscribers and accounting records come from and go.
 * The database layer implements NasDirectory, SubscriberSource and AccountingStore; everything else is
 * protocol.
 */
import type { NamedAttribute } from '../protocol/dictionary.ts'
import type { RadiusPacket } from '../protocol/packet.ts'
import type { MsChapProof } from './credentials.ts'

export interface NasClient {
  id: string | number
  name: string
  /** Shared secret. */
  secret: string
  /** Drop Access-Requests that carry no Message-Authenticator (BlastRADIUS, CVE-2024-3596). */
  requireMessageAuthenticator: boolean
  /** UDP port for CoA/Disconnect on this NAS; 3799 when unset. */
  coaPort?: number
}

/** Looks a NAS up by the source address of its packets ("10.0.0.1", "2001:db8::1"). */
export interface NasDirectory {
  lookup(address: string): NasClient | undefined | Promise<NasClient | undefined>
}

export type AuthMethod = 'pap' | 'chap' | 'mschap' | 'mschapv2' | 'none'

export interface AccessRequest {
  nas: NasClient
  source: { address: string; port: number }
  packet: RadiusPacket
  userName: string
  method: AuthMethod
  /** Calling-Station-Id: the subscriber's MAC for PPPoE/DHCP/hotspot. */
  callingStationId?: string
  calledStationId?: string
  nasIpAddress?: string
  nasIdentifier?: string
  nasPortId?: string
  framedIpAddress?: string
  /** Checks the password the subscriber typed against the one we hold, by whatever method was used. */
  verifyPassword(password: string): { ok: true; proof?: MsChapProof } | { ok: false }
  /** Attribute values by dictionary name. */
  attributes(): Record<string, unknown>
}

/** Why a subscriber gets a restricted session; each reason has its own MikroTik address list. */
export const RestrictReason = {
  UserNotFound: 0,
  Blocked: 1,
  NegativeBalance: 2,
  WrongMac: 3,
  WrongPassword: 4,
} as const
export type RestrictReason = (typeof RestrictReason)[keyof typeof RestrictReason]

export type Decision =
  | { kind: 'accept'; attributes: NamedAttribute[]; proof?: MsChapProof }
  | {
      kind: 'restrict'
      reason: RestrictReason
      /** Present when the password was right, so MS-CHAP can still complete. */
      proof?: MsChapProof
      /** Extra attributes for the restricted session (e.g. a Framed-IP-Address from a reject range). */
      attributes?: NamedAttribute[]
    }
  | { kind: 'reject'; replyMessage?: string }

/** May answer synchronously: the server then replies without a turn of the event loop. */
export type Authorizer = (request: AccessRequest) => Decision | Promise<Decision>

export type AcctStatusType =
  | 'start'
  | 'stop'
  | 'interim-update'
  | 'accounting-on'
  | 'accounting-off'
  | 'other'

export interface AccountingRecord {
  nas: NasClient
  source: { address: string; port: number }
  statusType: AcctStatusType
  /** Acct-Status-Type as sent, for 'other'. */
  statusCode: number
  sessionId?: string
  multiSessionId?: string
  userName?: string
  /** Octets with gigawords folded in (Acct-Input-Gigawords × 2^32 + Acct-Input-Octets). */
  inputOctets: bigint
  outputOctets: bigint
  inputPackets: number
  outputPackets: number
  sessionTime?: number
  terminateCause?: string
  framedIpAddress?: string
  callingStationId?: string
  calledStationId?: string
  nasIpAddress?: string
  nasIdentifier?: string
  nasPortId?: string
  /** Event-Timestamp if sent, else receive time minus Acct-Delay-Time. */
  eventTime: Date
  delaySeconds: number
  receivedAt: Date
  /** MD5 of the packet minus its Acct-Delay-Time: the same event retransmitted later has the same key. */
  eventKey: string
  attributes: Record<string, unknown>
}

/**
 * Receives accounting. The server answers the NAS only after record() resolves, so it must resolve only
 * once the record is durably committed, and must be idempotent (the same eventKey may arrive twice).
 */
export interface AccountingStore {
  record(record: AccountingRecord): Promise<void>
}
