/**
 * Permission strings are `<group>.<action>` ('customers.view'). A role stores patterns: an exact
 * permission, `<group>.*` (every permission of a group, including ones added later) or `*` (all).
 */

/** Granted to every signed-in admin (own profile, own sessions, own 2FA, /api/v1/me); never stored in a role. */
export const SIGNED_IN = 'self'

/** Permissions of the admins, roles, API keys and audit domains. */
export const ADMIN_PERMISSIONS = [
  'admins.view',
  'admins.manage',
  'roles.manage',
  'sessions.manage',
  'apikeys.manage',
] as const
export const AUDIT_PERMISSIONS = ['audit.view'] as const

/** True when one of the patterns grants the permission. */
export function matches(patterns: Iterable<string>, permission: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === permission) return true
    if (p.endsWith('.*') && permission.startsWith(p.slice(0, -1))) return true
  }
  return false
}

function grants(layers: readonly (readonly string[])[], permission: string): boolean {
  if (permission === SIGNED_IN) return true
  return layers.length > 0 && layers.every((layer) => matches(layer, permission))
}

// Every request builds its principal's set; the roles and keys in use are few, so the granted list of each
// combination of patterns is worked out once per list of known permissions.
const grantedCache = new WeakMap<readonly string[], Map<string, readonly string[]>>()

function grantedOf(layers: readonly (readonly string[])[], known: readonly string[]): readonly string[] {
  let byLayers = grantedCache.get(known)
  if (!byLayers) {
    byLayers = new Map()
    grantedCache.set(known, byLayers)
  }
  const key = layers.map((layer) => layer.join('\n')).join('\n\n')
  let granted = byLayers.get(key)
  if (!granted) {
    if (byLayers.size >= 1000) byLayers.clear()
    granted = known.filter((p) => grants(layers, p))
    byLayers.set(key, granted)
  }
  return granted
}

/**
 * The permissions of a principal. `has()` understands wildcards, so `admin.permissions.has('x')` is the
 * check everyone uses; iterating yields the concrete known permissions that are granted. With several
 * pattern lists (an API key and its owner) a permission must be granted by every one of them.
 */
export class PermissionSet extends Set<string> {
  private readonly layers: readonly (readonly string[])[]
  constructor(layers: readonly (readonly string[])[], known: readonly string[]) {
    super(grantedOf(layers, known))
    this.layers = layers
  }
  override has(permission: string): boolean {
    return grants(this.layers, permission)
  }
  /** True when this set grants everything: super admins. */
  get all(): boolean {
    return this.layers.length > 0 && this.layers.every((layer) => layer.includes('*'))
  }
}

export interface PermissionGroup {
  group: string
  permissions: string[]
}

/** Known permissions grouped by their prefix, for the role checklist. */
export function groupPermissions(known: Iterable<string>): PermissionGroup[] {
  const map = new Map<string, string[]>()
  for (const p of known) {
    const group = p.includes('.') ? p.slice(0, p.indexOf('.')) : p
    map.set(group, [...(map.get(group) ?? []), p])
  }
  return [...map.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, permissions]) => ({ group, permissions: [...new Set(permissions)].sort() }))
}

const PATTERN = /^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*\.\*|[a-z0-9_-]+(\.[a-z0-9_-]+)+)$/

/** Valid permission pattern syntax (exact, group wildcard or `*`). */
export function isPermissionPattern(p: string): boolean {
  return PATTERN.test(p)
}

/** Sorted, de-duplicated patterns, with exact entries already covered by a wildcard dropped. */
export function normalizePatterns(patterns: Iterable<string>): string[] {
  const list = [...new Set(patterns)]
  if (list.includes('*')) return ['*']
  const wildcards = list.filter((p) => p.endsWith('.*'))
  return list.filter((p) => p.endsWith('.*') || !matches(wildcards, p)).sort()
}

/** True when every permission the candidate patterns grant is granted by the owner's (a key can never exceed its owner). */
export function isSubset(candidate: readonly string[], owner: readonly string[]): boolean {
  if (owner.includes('*')) return true
  return candidate.every((p) => {
    if (p === '*') return false
    if (!p.endsWith('.*')) return matches(owner, p)
    return owner.some((o) => o.endsWith('.*') && p.startsWith(o.slice(0, -1)))
  })
}
