// Online sessions page: the rows follow RADIUS as sessions start, stop and update, over the panel's
// WebSocket (/admin/ws through live-socket.js, the topic named in data-sessions-topic), and the search
// filters as you type.
// The server pushes only {online, version}; when the version moves the rows are fetched again with
// this page's own search and page number. Without this script the page works as plain HTML.
;(() => {
  // Looked up each time: a boosted form (the kick button) swaps the page's body for a new one.
  const rowsBox = () => document.getElementById('sessions-live')
  const searchBox = () => document.getElementById('session-q')
  const first = rowsBox()
  if (!first || !window.uplinkLiveSocket) return
  const topic = first.dataset.sessionsTopic
  let timer
  let loading = false
  let again = false

  const query = () => {
    const params = new URLSearchParams(location.search)
    const input = searchBox()
    if (input) {
      if (input.value.trim()) params.set('q', input.value.trim())
      else params.delete('q')
    }
    return params
  }

  const load = async () => {
    const box = rowsBox()
    if (!box) return
    // Never swap the rows from under an open "Disconnect?" dialog: its form would be gone.
    if (loading || document.querySelector('dialog[open]')) {
      again = true
      if (!loading) schedule(1000)
      return
    }
    loading = true
    again = false
    try {
      const url = `${box.dataset.rowsUrl}?${query()}`
      if (window.htmx) await window.htmx.ajax('GET', url, { target: box, swap: 'innerHTML' })
      else {
        const res = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
        if (res.ok) box.innerHTML = await res.text()
      }
      box.dataset.loads = String(Number(box.dataset.loads ?? 0) + 1)
    } finally {
      loading = false
      if (again) schedule(0)
    }
  }

  const schedule = (ms) => {
    clearTimeout(timer)
    timer = setTimeout(() => void load(), ms)
  }

  document.addEventListener('input', (event) => {
    if (event.target !== searchBox()) return
    const params = query()
    params.delete('page')
    const search = params.toString()
    history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`)
    schedule(300)
  })

  window.uplinkLiveSocket('/admin/ws', {
    onOpen: (send) => send({ subscribe: topic }),
    onMessage: (message) => {
      const box = rowsBox()
      if (message.topic !== topic || !message.data || !box) return
      if (message.data.version !== box.dataset.version) {
        box.dataset.version = message.data.version
        schedule(0)
      }
    },
  })
})()
