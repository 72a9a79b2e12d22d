/** The customer portal's navigation, in order. */
export interface PortalMenuItem {
  label: string
  href: string
}

export const PORTAL_MENU: readonly PortalMenuItem[] = [
  { label: 'Overview', href: '/portal' },
  { label: 'Invoices', href: '/portal/invoices' },
  { label: 'Payments', href: '/portal/payments' },
  { label: 'Statement', href: '/portal/statement' },
  { label: 'My details', href: '/portal/profile' },
]
