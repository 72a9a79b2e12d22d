import t from 'tap'
import {
  buildMikrotikRateLimit,
  formatRate,
  RateLimitError,
} from '../../../../plugins/radius/protocol/rate-limit.ts'

t.test('rates are written in k and M like RouterOS', async (t) => {
  t.equal(formatRate(10_000_000), '10M')
  t.equal(formatRate(512_000), '512k')
  t.equal(formatRate(1_500_000), '1500k')
  t.equal(formatRate(1_000_000_000), '1000M')
  t.equal(formatRate(1_500), '1500')
})

t.test('plain plan: rx/tx is upload/download (the router receives the upload)', async (t) => {
  t.equal(buildMikrotikRateLimit({ downloadKbps: 20_000, uploadKbps: 5_000 }), '5M/20M')
  t.equal(buildMikrotikRateLimit({ downloadKbps: 1_024, uploadKbps: 512 }), '512k/1024k')
})

t.test('worked example with burst: 10M down / 2M up, burst +50 %, threshold 75 %, 16 s', async (t) => {
  // burst: 2M × 150/100 = 3M up, 10M × 150/100 = 15M down;
  // threshold: 2M × 75/100 = 1500k up, 10M × 75/100 = 7500k down.
  t.equal(
    buildMikrotikRateLimit({
      downloadKbps: 10_000,
      uploadKbps: 2_000,
      burst: { limitPercent: 50, thresholdPercent: 75, timeSeconds: 16 },
    }),
    '2M/10M 3M/15M 1500k/7500k 16/16',
  )
})

t.test('worked example with burst, priority and guaranteed minimum', async (t) => {
  // 100M down / 50M up, burst +100 % (double), threshold 80 %, 8 s, priority 5, min 10M/5M.
  t.equal(
    buildMikrotikRateLimit({
      downloadKbps: 100_000,
      uploadKbps: 50_000,
      burst: { limitPercent: 100, thresholdPercent: 80, timeSeconds: 8 },
      priority: 5,
      minDownloadKbps: 10_000,
      minUploadKbps: 5_000,
    }),
    '50M/100M 100M/200M 40M/80M 8/8 5 5M/10M',
  )
})

t.test('priority without burst fills the burst fields with zeros', async (t) => {
  t.equal(
    buildMikrotikRateLimit({ downloadKbps: 8_000, uploadKbps: 1_000, priority: 3 }),
    '1M/8M 0/0 0/0 0/0 3',
  )
  t.equal(
    buildMikrotikRateLimit({ downloadKbps: 8_000, uploadKbps: 1_000, minDownloadKbps: 2_000 }),
    '1M/8M 0/0 0/0 0/0 8 0/2M',
    'a minimum alone gets the default priority 8',
  )
})

t.test('odd speeds keep exact bits per second', async (t) => {
  // 333k × 125/100 = 416.25k -> 416250 bits/s; 333k × 60/100 = 199.8k -> 199800.
  t.equal(
    buildMikrotikRateLimit({
      downloadKbps: 333,
      uploadKbps: 333,
      burst: { limitPercent: 25, thresholdPercent: 60, timeSeconds: 10 },
    }),
    '333k/333k 416250/416250 199800/199800 10/10',
  )
})

t.test('invalid speeds name the field', async (t) => {
  const bad: [Parameters<typeof buildMikrotikRateLimit>[0], string][] = [
    [{ downloadKbps: 0, uploadKbps: 1 }, 'downloadKbps'],
    [{ downloadKbps: 1, uploadKbps: -5 }, 'uploadKbps'],
    [{ downloadKbps: 1, uploadKbps: 1, priority: 9 }, 'priority'],
    [
      { downloadKbps: 1, uploadKbps: 1, burst: { limitPercent: 0, thresholdPercent: 50, timeSeconds: 1 } },
      'burst.limitPercent',
    ],
    [
      { downloadKbps: 1, uploadKbps: 1, burst: { limitPercent: 10, thresholdPercent: 101, timeSeconds: 1 } },
      'burst.thresholdPercent',
    ],
    [
      { downloadKbps: 1, uploadKbps: 1, burst: { limitPercent: 10, thresholdPercent: 50, timeSeconds: 0 } },
      'burst.timeSeconds',
    ],
    [{ downloadKbps: 1000, uploadKbps: 1000, minDownloadKbps: 2000 }, 'minDownloadKbps'],
  ]
  for (const [input, field] of bad) {
    let error: unknown
    try {
      buildMikrotikRateLimit(input)
    } catch (e) {
      error = e
    }
    t.ok(error instanceof RateLimitError && error.field === field, field)
  }
})
