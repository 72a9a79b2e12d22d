/** The plugin's permissions. */
export const PERMISSIONS = {
  nasView: 'radius.nas.view',
  nasManage: 'radius.nas.manage',
  sessionsView: 'radius.sessions.view',
  sessionsDisconnect: 'radius.sessions.disconnect',
  authLogView: 'radius.authlog.view',
  topUpsBuy: 'radius.topups.buy',
} as const
