// A RADIUS client for tests: builds Access- and Accounting-Requests the way a NAS does.
import { randomBytes } from 'node:crypto'
import { encodeChapPassword } from '../../../../plugins/radius/protocol/chap.ts'
import { Attr, Code, MsAttr, Vendor } from '../../../../plugins/radius/protocol/codes.ts'
import { encodeNamedAttributes, type NamedAttribute } from '../../../../plugins/radius/protocol/dictionary.ts'
import {
  buildPacket,
  encodeAttribute,
  encodeVendorAttribute,
} from '../../../../plugins/radius/protocol/encode.ts'
import { encryptUserPassword } from '../../../../plugins/radius/protocol/pap.ts'

export type ClientAuth =
  | { method: 'pap'; password: string }
  | { method: 'chap'; password: string; ident?: number; challenge?: Buffer }
  | { method: 'mschap'; challenge: Buffer; response: Buffer }
  | { method: 'mschapv2'; challenge: Buffer; response: Buffer }
  | { method: 'none' }

export interface AccessRequestInput {
  userName: string
  secret: string
  auth: ClientAuth
  attributes?: NamedAttribute[]
  messageAuthenticator?: boolean
  identifier?: number
  authenticator?: Buffer
}

export function accessRequest(input: AccessRequestInput): Buffer {
  const secret = Buffer.from(input.secret)
  const authenticator = input.authenticator ?? randomBytes(16)
  const parts: Buffer[] = [encodeAttribute(Attr.UserName, Buffer.from(input.userName))]
  const a = input.auth
  if (a.method === 'pap') {
    parts.push(
      encodeAttribute(Attr.UserPassword, encryptUserPassword(Buffer.from(a.password), secret, authenticator)),
    )
  } else if (a.method === 'chap') {
    const ident = a.ident ?? 7
    const challenge = a.challenge ?? authenticator
    parts.push(
      encodeAttribute(Attr.ChapPassword, encodeChapPassword(ident, Buffer.from(a.password), challenge)),
    )
    if (a.challenge) parts.push(encodeAttribute(Attr.ChapChallenge, a.challenge))
  } else if (a.method === 'mschap' || a.method === 'mschapv2') {
    parts.push(encodeVendorAttribute(Vendor.Microsoft, MsAttr.ChapChallenge, a.challenge))
    parts.push(
      encodeVendorAttribute(
        Vendor.Microsoft,
        a.method === 'mschap' ? MsAttr.ChapResponse : MsAttr.Chap2Response,
        a.response,
      ),
    )
  }
  parts.push(
    encodeNamedAttributes([
      { name: 'NAS-IP-Address', value: '127.0.0.1' },
      { name: 'Service-Type', value: 'Framed-User' },
      ...(input.attributes ?? []),
    ]),
  )
  return buildPacket({
    code: Code.AccessRequest,
    identifier: input.identifier ?? Math.floor(Math.random() * 256),
    attributes: Buffer.concat(parts),
    secret,
    messageAuthenticator: input.messageAuthenticator ?? true,
    authenticator,
  })
}

export function accountingRequest(input: {
  secret: string
  attributes: NamedAttribute[]
  identifier?: number
  messageAuthenticator?: boolean
}): Buffer {
  return buildPacket({
    code: Code.AccountingRequest,
    identifier: input.identifier ?? Math.floor(Math.random() * 256),
    attributes: encodeNamedAttributes(input.attributes),
    secret: Buffer.from(input.secret),
    messageAuthenticator: input.messageAuthenticator ?? false,
  })
}
