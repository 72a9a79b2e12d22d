/**
 * RADIUS for NAS devices (MikroTik PPPoE/hotspot/DHCP, BRAS): authentication, accounting and CoA /
 * Disconnect. This file holds the plugin's contract; the protocol lives in protocol/, the UDP server
 * in server/. The database wiring (NAS list, subscribers from services and plans, accounting tables)
 * plugs into server/types.ts's NasDirectory, SubscriberSource and AccountingStore.
 */
import { definePlugin } from '../../core/plugin-api.ts'
import { RadiusSettings } from './settings.ts'

export default definePlugin({
  name: 'radius',
  title: 'RADIUS',
  settings: RadiusSettings,
})
