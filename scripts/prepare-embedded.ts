// Run by `npm install` (postinstall): builds the migrated embedded-database image that a first
// `npm start` and the test files load instead of running initdb and migrations.
import { ensureEmbeddedTemplate } from '../db/embedded-template.ts'

try {
  const file = await ensureEmbeddedTemplate()
  console.log(`uplink: embedded database image ready (${file.split('/').slice(-1)[0]})`)
} catch (err) {
  // Not fatal: the server creates the database the slow way.
  console.warn(`uplink: could not prepare the embedded database image: ${(err as Error).message}`)
}
