/**
 * The load generator's RADIUS packets, written here from the RFCs rather than taken from the plugin,
 * so that a mistake in the plugin's protocol code is not mirrored in the load that measures it:
 * PAP Access-Requests (RFC 2865 5.2 password hiding, RFC 3579 Message-Authenticator as the first
 * attribute) and Accounting-Requests (RFC 2866 Request Authenticator), and the check of a reply's
 * Response Authenticator.
 */
import { hash, randomFillSync } from 'node:crypto'

// One-shot digests: createHash()/createHmac() objects are freed through weak handles, whose processing
// at thousands of packets a second stalls this process's event loop and so inflates the latencies it
// measures. The digest comes back as latin1 text copied into a pooled Buffer: a 'buffer' digest is an
// ArrayBuffer of its own each time, which the collector has to sweep.
const md5 = (...parts: Uint8Array[]): Buffer => Buffer.from(hash('md5', Buffer.concat(parts), 'latin1'), 'latin1')

/** RFC 2104 with MD5; keys here are shorter than the 64-byte block. */
function hmacMd5(key: Uint8Array, data: Uint8Array): Buffer {
  const pad = (byte: number) => {
    const block = Buffer.allocUnsafe(64)
    for (let i = 0; i < 64; i++) block[i] = (key[i] ?? 0) ^ byte
    return block
  }
  return md5(pad(0x5c), md5(pad(0x36), data))
}

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
// One buffer for every packet being written (the generator is single-threaded) and small buffers from
// Node's shared pool: a Buffer.alloc() per packet or attribute is an ArrayBuffer each, and thousands a
// second of those slow this process's collections, which would show up as server latency.
const SHARED = Buffer.alloc(4096)
const ZERO16 = Buffer.alloc(16)

class Writer {
  readonly buf = SHARED
  length = 20

  constructor() {
    this.buf.fill(0, 0, 20)
  }

  private header(type: number, length: number): number {
    if (length > 253) throw new RangeError(`attribute ${type} is longer than 253 bytes`)
    const at = this.length
    this.buf[at] = type
    this.buf[at + 1] = length + 2
    this.length += length + 2
    return at + 2
  }

  bytes(type: number, value: Uint8Array): number {
    const at = this.header(type, value.length)
    this.buf.set(value, at)
    return at
  }

  text(type: number, value: string): void {
    this.buf.write(value, this.header(type, Buffer.byteLength(value, 'utf8')), 'utf8')
  }

  int(type: number, value: number): void {
    this.buf.writeUInt32BE(value >>> 0, this.header(type, 4))
  }

  ipv4(type: number, address: string): void {
    const at = this.header(type, 4)
    const parts = address.split('.')
    for (let i = 0; i < 4; i++) this.buf[at + i] = Number(parts[i])
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
  const out = Buffer.allocUnsafe(Math.max(16, Math.ceil(plain.length / 16) * 16)).fill(0)
  plain.copy(out)
  let previous: Uint8Array = authenticator
  for (let i = 0; i < out.length; i += 16) {
    const b = md5(secret, previous)
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
  const authenticator = randomFillSync(Buffer.allocUnsafe(16))
  authenticator.copy(w.buf, 4)
  const mac = w.bytes(MESSAGE_AUTHENTICATOR, ZERO16)
  w.text(USER_NAME, input.userName)
  w.bytes(USER_PASSWORD, hidePassword(input.password, input.secret, authenticator))
  w.ipv4(NAS_IP_ADDRESS, input.nasIp)
  w.int(NAS_PORT, input.nasPort)
  w.int(NAS_PORT_TYPE, NAS_PORT_TYPE_ETHERNET)
  w.int(SERVICE_TYPE, FRAMED_USER)
  w.int(FRAMED_PROTOCOL, PPP)
  if (input.callingStationId) w.text(CALLING_STATION_ID, input.callingStationId)
  const packet = w.finish(ACCESS_REQUEST, input.id)
  hmacMd5(input.secret, packet).copy(packet, mac)
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
  const authenticator = md5(packet, input.secret)
  authenticator.copy(packet, 4)
  return { packet, authenticator }
}

/** RFC 2865 3: the reply's authenticator is MD5(Code + Identifier + Length + Request Authenticator + Attributes + Secret). */
export function validReply(reply: Buffer, requestAuthenticator: Uint8Array, secret: Buffer): boolean {
  if (reply.length < 20 || reply.readUInt16BE(2) > reply.length) return false
  const length = reply.readUInt16BE(2)
  const expected = md5(reply.subarray(0, 4), requestAuthenticator, reply.subarray(20, length), secret)
  return expected.equals(reply.subarray(4, 20))
}
