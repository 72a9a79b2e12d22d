import { migrationsKey } from '../../db/embedded-template.ts'

export { embeddedTemplateFile } from '../../db/embedded-template.ts'
export const templateDbName = () => `uplink_tpl_${migrationsKey()}`
