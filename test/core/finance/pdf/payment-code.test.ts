import t from 'tap'
import { paymentCodeText } from '../../../../core/finance/pdf/payment-code.ts'

t.test('EUR to an IBAN: the EPC SEPA credit transfer code', async (t) => {
  const text = paymentCodeText({
    beneficiary: 'Redes Fibra del Sur S.L.',
    iban: 'ES91 2100 0418 4502 0005 1332',
    bic: 'caixesbbxxx',
    amount: '182.5',
    currency: 'EUR',
    reference: 'INV 100004 2026-11',
  })
  t.equal(
    text,
    'BCD\n002\n1\nSCT\nCAIXESBBXXX\nRedes Fibra del Sur S.L.\nES9121000418450200051332\nEUR182.50\n\n\nINV 100004 2026-11',
  )
})

t.test('PLN to a Polish account: the ZBP code, amount in grosze', async (t) => {
  const text = paymentCodeText({
    beneficiary: 'Światłowód Łódź Sp. z o.o.',
    iban: 'PL61 1090 1014 0000 0712 1981 2874',
    taxId: '725-123-45-67',
    amount: '367.9',
    currency: 'PLN',
    reference: 'INV 100007 2026-01',
  })
  t.equal(text, '7251234567|PL|61109010140000071219812874|036790|Światłowód Łódź Sp.|INV 100007 2026-01|||')
})

t.test('anything else: a plain, readable payment string', async (t) => {
  const text = paymentCodeText({
    beneficiary: 'ТОВ «Швидкий Зв’язок»',
    iban: 'UA21 3223 1300 0002 6007 2335 6600 1',
    amount: '1234',
    currency: 'UAH',
    reference: 'INV 1\n2',
  })
  t.equal(
    text,
    'REF:INV 1 2\nAMOUNT:1234.00 UAH\nTO:ТОВ «Швидкий Зв’язок»\nIBAN:UA213223130000026007233566001',
  )
  const tooBig = paymentCodeText({
    beneficiary: 'X',
    iban: 'DE89370400440532013000',
    amount: '1000000000',
    currency: 'EUR',
    reference: 'R',
  })
  t.match(tooBig, /^REF:R\nAMOUNT:1000000000\.00 EUR/, 'over the EPC limit falls back to the plain string')
})
