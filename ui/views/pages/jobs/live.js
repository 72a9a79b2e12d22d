// Live job progress on /admin/jobs: updates run rows from GET /admin/ws/jobs, adds new runs on top.
;(() => {
  const table = document.getElementById('runs')
  if (!table || !window.uplinkLiveSocket) return
  const tbody = table.querySelector('tbody')
  const badge = { succeeded: 'active', failed: 'blocked', running: 'new', skipped: 'inactive' }
  const duration = (ms) => (ms === null || ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)
  const cell = (text, cls) => {
    const td = document.createElement('td')
    if (cls) td.className = cls
    td.textContent = text
    return td
  }
  function render(run) {
    if (run.status === 'skipped' && !new URLSearchParams(location.search).get('skipped')) return
    let row = tbody.querySelector(`tr[data-run="${run.id}"]`)
    if (!row) {
      row = document.createElement('tr')
      row.dataset.run = run.id
      const link = document.createElement('a')
      link.href = `/admin/jobs/runs/${run.id}`
      link.textContent = run.id
      const first = document.createElement('td')
      first.append(link)
      const progress = document.createElement('td')
      progress.className = 'progress'
      progress.innerHTML = '<progress max="100"></progress> <span></span>'
      row.append(first, cell(run.job), cell('', 'status'), cell(new Date(run.startedAt).toLocaleString()), cell('', 'duration'), progress, cell(run.node), cell('', 'message truncate'))
      tbody.prepend(row)
      tbody.querySelector('.empty-row')?.remove()
    }
    row.className = `run-${run.status}`
    const status = row.querySelector('.status')
    status.textContent = ''
    const span = document.createElement('span')
    span.className = `badge badge-${badge[run.status] ?? run.status}`
    span.textContent = run.status
    status.append(span)
    row.querySelector('.duration').textContent = duration(run.durationMs)
    row.querySelector('.progress progress').value = run.progress
    row.querySelector('.progress span').textContent = `${run.progress}%`
    const message = run.error ? run.error.split('\n')[0] : (run.message ?? '')
    row.querySelector('.message').textContent = message
    row.querySelector('.message').title = run.error ?? run.message ?? ''
  }
  window.uplinkLiveSocket(table.dataset.live, {
    onMessage: (msg) => {
      if (msg.type === 'run') render(msg.run)
    },
  })
})()
