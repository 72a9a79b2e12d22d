/**
 * Reads the directory of a stored (not deflated) ZIP held in memory, ZIP64 included: how the
 * benchmark and the tests check what writePdfZip wrote without trusting the writer's own count.
 */
export interface ZipEntry {
  name: string
  data: Buffer
  mtime: { date: number; time: number }
}

export function readStoredZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'))
  if (eocd < 0) throw new Error('not a ZIP: no end of central directory')
  let count = zip.readUInt16LE(eocd + 10)
  let offset = zip.readUInt32LE(eocd + 16)
  if (count === 0xffff || offset === 0xffffffff) {
    const locator = eocd - 20
    if (zip.toString('latin1', locator, locator + 4) !== 'PK\x06\x07')
      throw new Error('ZIP64 locator missing')
    const record = Number(zip.readBigUInt64LE(locator + 8))
    count = Number(zip.readBigUInt64LE(record + 32))
    offset = Number(zip.readBigUInt64LE(record + 48))
  }
  const entries: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    if (zip.toString('latin1', offset, offset + 4) !== 'PK\x01\x02') throw new Error(`bad central entry ${i}`)
    const method = zip.readUInt16LE(offset + 10)
    if (method !== 0) throw new Error(`entry ${i} is compressed (method ${method})`)
    let size = zip.readUInt32LE(offset + 20)
    let local = zip.readUInt32LE(offset + 42)
    const nameLength = zip.readUInt16LE(offset + 28)
    const extraLength = zip.readUInt16LE(offset + 30)
    const commentLength = zip.readUInt16LE(offset + 32)
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength)
    // ZIP64 extra field (id 1): the 64-bit sizes and offset, in that order, for the fields set to ~0.
    for (let e = offset + 46 + nameLength; e < offset + 46 + nameLength + extraLength; ) {
      const id = zip.readUInt16LE(e)
      const len = zip.readUInt16LE(e + 2)
      if (id === 1) {
        let p = e + 4
        if (zip.readUInt32LE(offset + 24) === 0xffffffff) p += 8
        if (size === 0xffffffff) {
          size = Number(zip.readBigUInt64LE(p))
          p += 8
        }
        if (local === 0xffffffff) local = Number(zip.readBigUInt64LE(p))
      }
      e += 4 + len
    }
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    entries.push({
      name,
      data: zip.subarray(start, start + size),
      mtime: { time: zip.readUInt16LE(offset + 12), date: zip.readUInt16LE(offset + 14) },
    })
    offset += 46 + nameLength + extraLength + commentLength
  }
  return entries
}
