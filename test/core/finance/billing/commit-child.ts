// Child process of kill-resume.test.ts: commits a confirmed billing run on the database it is given,
// telling the parent after every batch, until the parent kills it.
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { commitRun } from '../../../../core/finance/billing/process.ts'
import { getRun } from '../../../../core/finance/billing/runs.ts'
import { connect } from '../../../../db/client.ts'
import { admin } from './fixtures.ts'

const database = connect(process.env.CHILD_DB_URL!, { max: 2 })
const clock = new ManualClock(process.env.CHILD_NOW!)
const run = await getRun(database.db, admin, Number(process.env.CHILD_RUN_ID))
let batches = 0
process.send!({ started: true })
await commitRun(
  {
    db: database.db,
    clock,
    batchSize: Number(process.env.CHILD_BATCH),
    progress: async () => {
      batches++
      process.send!({ batch: batches })
    },
  },
  run,
)
process.send!({ finished: true })
await database.close()
process.exit(0)
