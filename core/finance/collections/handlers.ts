import type { EventHandler } from '../../kernel/plugins/define.ts'

/** Collections' event handlers (a payment that clears the debt unblocks at once). */
export const collectionHandlers: Record<string, EventHandler> = {}
