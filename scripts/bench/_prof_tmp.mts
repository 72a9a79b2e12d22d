import { renderPdf } from '../../core/finance/pdf/render.ts'
import { sampleDocument, sampleLogo } from '../../core/finance/pdf/sample.ts'
const logo = sampleLogo()
const docs = Array.from({length: 300}, (_, i) => sampleDocument({ seed: i, logo }))
for (const d of docs.slice(0, 50)) await renderPdf(d)
const t = performance.now(); const c = process.cpuUsage()
for (const d of docs) await renderPdf(d)
const cu = process.cpuUsage(c)
console.log('wall', ((performance.now() - t) / 300).toFixed(2), 'cpu', ((cu.user + cu.system) / 1000 / 300).toFixed(2), 'ms/doc')
