// Sends one datagram from a fresh socket on 127.0.0.1 and waits for one answer (null if none comes).
import { createSocket } from 'node:dgram'

export async function exchange(port: number, packet: Buffer, waitMs = 1500): Promise<Buffer | null> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  try {
    return await new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), waitMs)
      socket.once('message', (msg) => {
        clearTimeout(timer)
        resolve(msg)
      })
      socket.send(packet, port, '127.0.0.1')
    })
  } finally {
    socket.close()
  }
}

/** A client socket that can send several datagrams from the same source port. */
export async function clientSocket() {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const inbox: Buffer[] = []
  const waiters: ((b: Buffer) => void)[] = []
  socket.on('message', (msg) => {
    const w = waiters.shift()
    if (w) w(msg)
    else inbox.push(msg)
  })
  return {
    send: (packet: Buffer, port: number) => socket.send(packet, port, '127.0.0.1'),
    next: (waitMs = 1500) =>
      new Promise<Buffer | null>((resolve) => {
        const queued = inbox.shift()
        if (queued) return resolve(queued)
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1)
          resolve(null)
        }, waitMs)
        const done = (b: Buffer) => {
          clearTimeout(timer)
          resolve(b)
        }
        waiters.push(done)
      }),
    close: () => socket.close(),
  }
}
