// The parts of the untyped `radius` npm package (1.1.x) this plugin calls.
declare module 'radius' {
  type AttributeList = unknown[][]
  interface Decoded {
    code: string
    identifier: number
    attributes: Record<string, unknown>
    raw_attributes: [number, Buffer][]
  }
  const radius: {
    add_dictionary(path: string): void
    load_dictionaries(): void
    unload_dictionaries(): void
    attr_name_to_id(name: string, vendorId?: number): string | undefined
    attr_id_to_name(id: number | string, vendorId?: number): string | undefined
    vendor_name_to_id(name: string): string | undefined
    encode(args: {
      code: string
      identifier?: number
      secret: string
      authenticator?: Buffer
      attributes: AttributeList
      add_message_authenticator?: boolean
    }): Buffer
    decode(args: { packet: Buffer; secret?: string; no_secret?: boolean }): Decoded
    verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean
  }
  export default radius
}
