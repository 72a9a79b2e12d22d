/**
 * The load generator's RADIUS packets, written here from the RFCs rather than taken from the plugin,
 * so that a mistake in the plugin's protocol code is not mirrored in the load that measures it:
 * PAP Access-Requests (RFC 2865 5.2 password hiding, RFC 3579 Message-Authenticator as the first
 * attribute) and Accounting-Requests (RFC 2866 Request Authenticator), and the check of a reply's
 * Response Authenticator.
 */
import { createHash, createHmac, randomFillSync } from 'node:crypto'

export const ACCESS_REQUEST = 1
export const ACCESS_ACCEPT = 2
export const ACCESS_REJECT = 3
export const ACCOUNTING_REQUEST = 4
export const ACCOUNTING_RESPONSE = 5

export const ACCT_START = 1
export const ACCT_STOP = 2
export const ACCT_INTERIM = 3

const USER_NAME = 1
const USER_PASSWORD = 2
const NAS_IP_ADDRESS = 4
const NAS_PORT = 5
const SERVICE_TYPE = 6
const FRAMED_PROTOCOL = 7
const FRAMED_IP_ADDRESS = 8
const CALLING_STATION_ID = 31
const ACCT_STATUS_TYPE = 40
const ACCT_INPUT_OCTETS = 42
const ACCT_OUTPUT_OCTETS = 43
const ACCT_SESSION_ID = 44
const ACCT_SESSION_TIME = 46
const ACCT_TERMINATE_CAUSE = 49
const ACCT_INPUT_GIGAWORDS = 52
const ACCT_OUTPUT_GIGAWORDS = 53
const EVENT_TIMESTAMP = 55
const NAS_PORT_TYPE = 61
const MESSAGE_AUTHENTICATOR = 80

const FRAMED_USER = 2
const PPP = 1
const NAS_PORT_TYPE_ETHERNET = 15
const TERMINATE_USER_REQUEST = 1

/** Appends attributes to a packet buffer as they are written. */
class Writer {
  readonly buf = Buffer.alloc(4096)
  length = 20

  bytes(type: number, value: Uint8Array): number {
    if (value.length > 253) throw new RangeError(`attribute ${type} is longer than 253 bytes`)
    const at = this.length
    this.buf[at] = type
    this.buf[at + 1] = value.length + 2
    this.buf.set(value, at + 2)
    this.length += value.length + 2
    return at + 2
  }

  text(type: number, value: string): void {
    this.bytes(type, Buffer.from(value, 'utf8'))
  }

  int(type: number, value: number): void {
    const v = Buffer.alloc(4)
    v.writeUInt32BE(value >>> 0)
    this.bytes(type, v)
  }

  ipv4(type: number, address: string): void {
    this.bytes(type, Buffer.from(address.split('.').map(Number)))
  }

  /** Fills in code, identifier and length; returns the finished packet (a copy). */
  finish(code: number, id: number): Buffer {
    this.buf[0] = code
    this.buf[1] = id
    this.buf.writeUInt16BE(this.length, 2)
    return Buffer.from(this.buf.subarray(0, this.length))
  }
}

/** RFC 2865 5.2: NUL-pad to 16n bytes, XOR with MD5(secret + authenticator), then MD5(secret + previous block). */
export function hidePassword(password: string, secret: Buffer, authenticator: Uint8Array): Buffer {
  const plain = Buffer.from(password, 'utf8')
  if (plain.length > 128) throw new RangeError('User-Password is at most 128 bytes')
  const out = Buffer.alloc(Math.max(16, Math.ceil(plain.length / 16) * 16))
  plain.copy(out)
  let previous: Uint8Array = authenticator
  for (let i = 0; i < out.length; i += 16) {
    const b = createHash('md5').update(secret).update(previous).digest()
    for (let j = 0; j < 16; j++) out[i + j]! ^= b[j]!
    previous = out.subarray(i, i + 16)
  }
  return out
}

export interface AccessRequestInput {
  id: number
  userName: string
  password: string
  secret: Buffer
  nasIp: string
  nasPort: number
  callingStationId?: string
}

export interface BuiltRequest {
  packet: Buffer
  /** The Request Authenticator, needed to check the reply. */
  authenticator: Buffer
}

/** A PAP Access-Request signed with Message-Authenticator (first attribute, as the BlastRADIUS fix recommends). */
export function accessRequest(input: AccessRequestInput): BuiltRequest {
  const w = new Writer()
  const authenticator = randomFillSync(Buffer.alloc(16))
  authenticator.copy(w.buf, 4)
  const mac = w.bytes(MESSAGE_AUTHENTICATOR, Buffer.alloc(16))
  w.text(USER_NAME, input.userName)
  w.bytes(USER_PASSWORD, hidePassword(input.password, input.secret, authenticator))
  w.ipv4(NAS_IP_ADDRESS, input.nasIp)
  w.int(NAS_PORT, input.nasPort)
  w.int(NAS_PORT_TYPE, NAS_PORT_TYPE_ETHERNET)
  w.int(SERVICE_TYPE, FRAMED_USER)
  w.int(FRAMED_PROTOCOL, PPP)
  if (input.callingStationId) w.text(CALLING_STATION_ID, input.callingStationId)
  const packet = w.finish(ACCESS_REQUEST, input.id)
  createHmac('md5', input.secret).update(packet).digest().copy(packet, mac)
  return { packet, authenticator }
}

export interface AccountingRequestInput {
  id: number
  statusType: typeof ACCT_START | typeof ACCT_STOP | typeof ACCT_INTERIM
  userName: string
  sessionId: string
  secret: Buffer
  nasIp: string
  nasPort: number
  framedIp: string
  callingStationId?: string
  /** Seconds since the epoch. */
  eventTimestamp: number
  sessionTime?: number
  /** Octet counts past 2^32 are sent as gigawords. */
  inputOctets?: bigint
  outputOctets?: bigint
}

/** An Accounting-Request; its Request Authenticator is MD5(packet with a zero authenticator + secret). */
export function accountingRequest(input: AccountingRequestInput): BuiltRequest {
  const w = new Writer()
  w.int(ACCT_STATUS_TYPE, input.statusType)
  w.text(USER_NAME, input.userName)
  w.text(ACCT_SESSION_ID, input.sessionId)
  w.ipv4(NAS_IP_ADDRESS, input.nasIp)
  w.int(NAS_PORT, input.nasPort)
  w.int(NAS_PORT_TYPE, NAS_PORT_TYPE_ETHERNET)
  w.int(SERVICE_TYPE, FRAMED_USER)
  w.int(FRAMED_PROTOCOL, PPP)
  w.ipv4(FRAMED_IP_ADDRESS, input.framedIp)
  if (input.callingStationId) w.text(CALLING_STATION_ID, input.callingStationId)
  w.int(EVENT_TIMESTAMP, input.eventTimestamp)
  if (input.statusType !== ACCT_START) {
    const inOctets = input.inputOctets ?? 0n
    const outOctets = input.outputOctets ?? 0n
    w.int(ACCT_SESSION_TIME, input.sessionTime ?? 0)
    w.int(ACCT_INPUT_OCTETS, Number(inOctets & 0xffffffffn))
    w.int(ACCT_OUTPUT_OCTETS, Number(outOctets & 0xffffffffn))
    w.int(ACCT_INPUT_GIGAWORDS, Number(inOctets >> 32n))
    w.int(ACCT_OUTPUT_GIGAWORDS, Number(outOctets >> 32n))
  }
  if (input.statusType === ACCT_STOP) w.int(ACCT_TERMINATE_CAUSE, TERMINATE_USER_REQUEST)
  const packet = w.finish(ACCOUNTING_REQUEST, input.id)
  const authenticator = createHash('md5').update(packet).update(input.secret).digest()
  authenticator.copy(packet, 4)
  return { packet, authenticator }
}

/** RFC 2865 3: the reply's authenticator is MD5(Code + Identifier + Length + Request Authenticator + Attributes + Secret). */
export function validReply(reply: Buffer, requestAuthenticator: Uint8Array, secret: Buffer): boolean {
  if (reply.length < 20 || reply.readUInt16BE(2) > reply.length) return false
  const length = reply.readUInt16BE(2)
  const expected = createHash('md5')
    .update(reply.subarray(0, 4))
    .update(requestAuthenticator)
    .update(reply.subarray(20, length))
    .update(secret)
    .digest()
  return expected.equals(reply.subarray(4, 20))
}
