// FreeRADIUS's client tools (radtest, radclient from freeradius-utils) for the tests that drive our
// server with them: whether they are installed, how to run one, and the RFC 2759 MS-CHAPv2 exchange.
import { execFile, spawnSync } from 'node:child_process'

const found = spawnSync('sh', ['-c', 'command -v radclient && command -v radtest'], { encoding: 'utf8' })
/** Why the tools cannot run here, or null when they can. */
export const toolsMissing = found.status === 0 ? null : 'freeradius-utils (radtest, radclient) not installed'

/** Runs a tool with optional stdin; its exit code and everything it printed. */
export function runTool(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    )
    if (input !== undefined) child.stdin!.end(input)
  })
}

/** radclient input for MS-CHAPv2 from the RFC 2759 9.2 vectors (user "User", password "clientPass"). */
export const MSCHAPV2_REQUEST = [
  'User-Name = "User"',
  'MS-CHAP-Challenge = 0x5B5D7C7D7B3F2F3E3C2C602132262628',
  // Ident 0x11, flags 0, Peer-Challenge, 8 reserved zero bytes, NT-Response.
  'MS-CHAP2-Response = 0x110021402324255E262A28295F2B3A337C7E000000000000000082309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF',
  'Message-Authenticator = 0x00',
].join(', ')

/** The MS-CHAP2-Success radclient prints for that request (the RFC's authenticator response). */
export const MSCHAPV2_SUCCESS = new RegExp(
  `MS-CHAP2-Success = 0x11${Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA56').toString('hex')}`,
  'i',
)
