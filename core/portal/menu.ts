/** The customer portal's navigation, in order. */
export interface PortalMenuItem {
  label: string
  href: string
}

export const PORTAL_MENU: readonly PortalMenuItem[] = [
  { label: 'Overview', href: '/portal' },
  { label: 'My details', href: '/portal/profile' },
]
