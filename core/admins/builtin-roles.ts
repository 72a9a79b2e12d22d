export type BuiltinRoleKey = 'super_admin' | 'admin' | 'customer_creator' | 'financial_manager' | 'manager'

export interface BuiltinRole {
  key: BuiltinRoleKey
  name: string
  /** Patterns granted, given the permissions the loaded modules and plugins declare. */
  permissions(known: readonly string[]): string[]
}

/** Groups only a super admin (or a role given them explicitly) manages. */
const ADMINISTRATION_GROUPS = new Set(['admins', 'roles', 'sessions'])
const FINANCE_GROUPS = ['finance', 'billing', 'invoices', 'payments', 'credit_notes', 'transactions', 'taxes']

const groupsOf = (known: readonly string[]) => [
  ...new Set(known.filter((p) => p.includes('.')).map((p) => p.split('.')[0]!)),
]
const viewsOf = (known: readonly string[], groups: readonly string[]) =>
  known.filter((p) => groups.includes(p.split('.')[0]!) && /\.(view|list)$/.test(p))

/**
 * The roles every installation starts with. They are created once, when missing; afterwards an
 * admin may edit them (except super_admin, which always has everything).
 */
export const BUILTIN_ROLES: readonly BuiltinRole[] = [
  { key: 'super_admin', name: 'Super administrator', permissions: () => ['*'] },
  {
    key: 'admin',
    name: 'Administrator',
    permissions: (known) => [
      ...groupsOf(known)
        .filter((g) => !ADMINISTRATION_GROUPS.has(g))
        .map((g) => `${g}.*`),
      'admins.view',
      'apikeys.manage',
      'audit.view',
    ],
  },
  {
    key: 'customer_creator',
    name: 'Customer creator',
    permissions: () => ['customers.view', 'customers.create', 'dashboard.view'],
  },
  {
    key: 'financial_manager',
    name: 'Financial manager',
    permissions: (known) =>
      [
        ...FINANCE_GROUPS.map((g) => `${g}.*`),
        'customers.view',
        'services.view',
        'plans.view',
        'reports.view',
        'dashboard.view',
        'audit.view',
      ].concat(viewsOf(known, ['reports'])),
  },
  {
    key: 'manager',
    name: 'Manager',
    permissions: (known) => [
      'customers.*',
      'services.*',
      'tickets.*',
      'messages.*',
      'inventory.*',
      'plans.view',
      'invoices.view',
      'payments.view',
      'dashboard.view',
      'jobs.view',
      ...viewsOf(
        known,
        groupsOf(known).filter((g) => !ADMINISTRATION_GROUPS.has(g) && !FINANCE_GROUPS.includes(g)),
      ),
    ],
  },
]

export const BUILTIN_KEYS = BUILTIN_ROLES.map((r) => r.key)
