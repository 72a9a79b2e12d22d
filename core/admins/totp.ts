import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { generateSecret, generateURI, verify } from 'otplib'
import QRCode from 'qrcode'
import type { DbOrTx } from '../../db/client.ts'
import { recordAudit } from '../audit/service.ts'
import type { AppContext } from '../kernel/context.ts'
import { NotFoundError, StateError, ValidationError } from '../kernel/errors.ts'
import { decryptSecret, encryptSecret, instanceKey } from '../kernel/secrets.ts'
import type { ChangeContext } from './audit-context.ts'
import { verifyPassword } from './passwords.ts'
import { admins } from './schema.ts'

export const ISSUER = 'Uplink'
export const RECOVERY_CODE_COUNT = 10
/** Codes from one step before or after now are accepted (clock drift of phones). */
const TOLERANCE_S = 30

type Ctx = Pick<AppContext, 'config' | 'clock'>

export interface Enrolment {
  /** Base32 secret for manual entry. */
  secret: string
  /** The secret sealed with the instance key, carried by the confirm form (so nothing is stored before confirmation). */
  sealed: string
  uri: string
  qrDataUrl: string
}

/** A new secret with its otpauth URI and QR code; nothing is saved until confirmEnrolment. */
export async function startEnrolment(ctx: Ctx, login: string): Promise<Enrolment> {
  const secret = generateSecret()
  const uri = generateURI({ issuer: ISSUER, label: login, secret })
  return {
    secret,
    sealed: encryptSecret(await instanceKey(ctx), secret),
    uri,
    qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }),
  }
}

/** Reopens a sealed enrolment (for re-showing the page after a wrong code). */
export async function resumeEnrolment(ctx: Ctx, login: string, sealed: string): Promise<Enrolment> {
  let secret: string
  try {
    secret = decryptSecret(await instanceKey(ctx), sealed)
  } catch {
    throw new ValidationError([{ field: 'code', message: 'the enrolment expired; start again' }])
  }
  const uri = generateURI({ issuer: ISSUER, label: login, secret })
  return { secret, sealed, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) }
}

const epochOf = (ctx: Ctx) => Math.floor(ctx.clock.now().getTime() / 1000)

/** The time step a code matches, or null; afterTimeStep refuses codes already used. */
async function matchCode(
  ctx: Ctx,
  secret: string,
  code: string,
  afterTimeStep: number | null,
): Promise<number | null> {
  const token = code.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(token)) return null
  const result = await verify({
    secret,
    token,
    epoch: epochOf(ctx),
    epochTolerance: TOLERANCE_S,
    ...(afterTimeStep === null ? {} : { afterTimeStep }),
  })
  return result.valid && 'timeStep' in result ? result.timeStep : null
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

function recoveryCode(): string {
  const bytes = randomBytes(10)
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('')
  return `${chars.slice(0, 5)}-${chars.slice(5)}`
}

const normalizeRecovery = (code: string) =>
  code
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')

/*
 * Recovery codes are stored as HMAC-SHA256 under a key derived from the instance key, which is not in the
 * database. A code is ~50 random bits, so it needs no slow hash once the database alone is not enough to
 * test guesses; with argon2id, checking one attempt against ten stored codes cost about two seconds of
 * CPU. Codes stored as argon2id hashes by earlier versions are still checked that way.
 */
const RECOVERY_PREFIX = 'hmac-sha256:'

function recoveryDigest(key: string, normalized: string): string {
  return RECOVERY_PREFIX + createHmac('sha256', `uplink-recovery:${key}`).update(normalized).digest('base64url')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The stored entry a recovery code matches, or null. */
async function matchingRecovery(stored: string[], key: string, normalized: string): Promise<string | null> {
  const digest = recoveryDigest(key, normalized)
  const fast = stored.find((h) => h.startsWith(RECOVERY_PREFIX) && sameText(h, digest))
  if (fast) return fast
  for (const hash of stored) {
    if (!hash.startsWith(RECOVERY_PREFIX) && (await verifyPassword(hash, normalized))) return hash
  }
  return null
}

async function newRecoveryCodes(ctx: Ctx): Promise<{ plain: string[]; hashes: string[] }> {
  const key = await instanceKey(ctx)
  const plain = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode)
  return { plain, hashes: plain.map((c) => recoveryDigest(key, normalizeRecovery(c))) }
}

/** Confirms enrolment with a code from the app; stores the secret and returns the recovery codes (shown once). */
export async function confirmEnrolment(
  db: DbOrTx,
  ctx: Ctx,
  input: { adminId: number; sealed: string; code: string },
  change: ChangeContext,
): Promise<string[]> {
  let secret: string
  try {
    secret = decryptSecret(await instanceKey(ctx), input.sealed)
  } catch {
    throw new ValidationError([{ field: 'code', message: 'the enrolment expired; start again' }])
  }
  const step = await matchCode(ctx, secret, input.code, null)
  if (step === null)
    throw new ValidationError([
      { field: 'code', message: 'the code is not correct; check the time on your phone' },
    ])
  const codes = await newRecoveryCodes(ctx)
  const sealed = encryptSecret(await instanceKey(ctx), secret)
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(admins)
      .set({ totpSecret: sealed, totpLastStep: step, recoveryCodes: codes.hashes })
      .where(and(eq(admins.id, input.adminId), isNull(admins.totpSecret)))
      .returning({ id: admins.id })
    if (!row) throw new StateError('Two-factor authentication is already enabled')
    await recordAudit(tx, {
      ...change,
      action: 'admin.2fa_enable',
      entity: 'admin',
      entityId: input.adminId,
      before: { twoFactor: false },
      after: { twoFactor: true },
    })
  })
  return codes.plain
}

export type SecondFactor = 'totp' | 'recovery'

/**
 * Checks a TOTP code (refusing one already used) or a recovery code (consuming it). Both updates are
 * conditional, so two requests racing with the same code cannot both pass.
 */
export async function checkSecondFactor(
  db: DbOrTx,
  ctx: Ctx,
  adminId: number,
  code: string,
): Promise<SecondFactor | null> {
  const [admin] = await db
    .select({ secret: admins.totpSecret, lastStep: admins.totpLastStep, recovery: admins.recoveryCodes })
    .from(admins)
    .where(eq(admins.id, adminId))
  if (!admin?.secret) return null
  const secret = decryptSecret(await instanceKey(ctx), admin.secret)
  const step = await matchCode(ctx, secret, code, admin.lastStep)
  if (step !== null) {
    const [won] = await db
      .update(admins)
      .set({ totpLastStep: step })
      .where(and(eq(admins.id, adminId), or(isNull(admins.totpLastStep), lt(admins.totpLastStep, step))))
      .returning({ id: admins.id })
    return won ? 'totp' : null
  }
  const normalized = normalizeRecovery(code)
  if (normalized.length !== 10) return null
  const hash = await matchingRecovery(admin.recovery, await instanceKey(ctx), normalized)
  if (!hash) return null
  const [won] = await db
    .update(admins)
    .set({ recoveryCodes: sql`${admins.recoveryCodes} - ${hash}::text` })
    .where(and(eq(admins.id, adminId), sql`${admins.recoveryCodes} ? ${hash}::text`))
    .returning({ id: admins.id })
  return won ? 'recovery' : null
}

/** Turns 2FA off after a valid code (or, with byAnother, when an admin resets it for a colleague who lost the device). */
export async function disableTotp(
  db: DbOrTx,
  ctx: Ctx,
  input: { adminId: number; code?: string; byAnother?: boolean },
  change: ChangeContext,
): Promise<void> {
  if (!input.byAnother) {
    const ok = input.code ? await checkSecondFactor(db, ctx, input.adminId, input.code) : null
    if (!ok) throw new ValidationError([{ field: 'code', message: 'the code is not correct' }])
  }
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(admins)
      .set({ totpSecret: null, totpLastStep: null, recoveryCodes: [] })
      .where(eq(admins.id, input.adminId))
      .returning({ id: admins.id })
    if (!row) throw new NotFoundError('Admin', input.adminId)
    await recordAudit(tx, {
      ...change,
      action: input.byAnother ? 'admin.2fa_reset' : 'admin.2fa_disable',
      entity: 'admin',
      entityId: input.adminId,
      before: { twoFactor: true },
      after: { twoFactor: false },
    })
  })
}

/** Replaces the recovery codes after a valid TOTP code; returns the new ones (shown once). */
export async function regenerateRecoveryCodes(
  db: DbOrTx,
  ctx: Ctx,
  input: { adminId: number; code: string },
  change: ChangeContext,
): Promise<string[]> {
  if ((await checkSecondFactor(db, ctx, input.adminId, input.code)) !== 'totp') {
    throw new ValidationError([
      { field: 'code', message: 'enter a current code from your authenticator app' },
    ])
  }
  const codes = await newRecoveryCodes(ctx)
  await db.transaction(async (tx) => {
    await tx.update(admins).set({ recoveryCodes: codes.hashes }).where(eq(admins.id, input.adminId))
    await recordAudit(tx, {
      ...change,
      action: 'admin.2fa_recovery_regenerate',
      entity: 'admin',
      entityId: input.adminId,
    })
  })
  return codes.plain
}

export async function remainingRecoveryCodes(db: DbOrTx, adminId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`jsonb_array_length(${admins.recoveryCodes})` })
    .from(admins)
    .where(eq(admins.id, adminId))
  return row?.n ?? 0
}
