import t from 'tap'
import { mikrotikRateLimit } from '../../../core/plans/rate-limit.ts'

t.test('Mikrotik-Rate-Limit from the router view: upload/download', async (t) => {
  t.equal(mikrotikRateLimit({ downloadKbps: 51200, uploadKbps: 10240 }), '10M/50M')
  t.equal(mikrotikRateLimit({ downloadKbps: 1500, uploadKbps: 512 }), '512k/1500k')
  t.equal(
    mikrotikRateLimit({
      downloadKbps: 10240,
      uploadKbps: 2048,
      burstPercent: 50,
      burstThresholdPercent: 75,
      burstTimeS: 16,
      priority: 5,
    }),
    '2M/10M 3M/15M 1536k/7680k 16/16 5',
    'burst = rate × 150 %, threshold = rate × 75 %',
  )
  t.equal(mikrotikRateLimit({ downloadKbps: 10240, uploadKbps: 10240, priority: 2 }), '10M/10M 0/0 0/0 0/0 2')
})
