// Live values over the panel's WebSocket (/admin/ws). Elements opt in with data attributes:
//   data-live-topic="dashboard.counters"   on a container: subscribe to this topic
//   data-live-key="customers.active"        inside it: set textContent to that path of the pushed data
//   data-live-status                        inside it: shows "live" / "reconnecting…"
// Messages from the server are {"topic": "...", "data": {...}}.
;(() => {
  const containers = [...document.querySelectorAll('[data-live-topic]')]
  if (!containers.length || !('WebSocket' in window)) return
  const topics = [...new Set(containers.map((c) => c.dataset.liveTopic))]
  let delay = 1000
  let socket
  let leaving = false

  const valueAt = (data, path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), data)
  const format = (value) => (typeof value === 'number' ? value.toLocaleString() : String(value))

  const setStatus = (text, state) => {
    for (const el of document.querySelectorAll('[data-live-status]')) {
      el.textContent = text
      el.dataset.state = state
    }
  }

  const apply = (topic, data) => {
    for (const container of containers) {
      if (container.dataset.liveTopic !== topic) continue
      for (const el of container.querySelectorAll('[data-live-key]')) {
        const value = valueAt(data, el.dataset.liveKey)
        if (value === undefined) continue
        const text = format(value)
        if (el.textContent !== text) {
          el.textContent = text
          el.classList.remove('live-changed')
          void el.offsetWidth
          el.classList.add('live-changed')
        }
      }
    }
  }

  const connect = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(`${scheme}//${location.host}/admin/ws`)
    socket.addEventListener('open', () => {
      delay = 1000
      for (const topic of topics) socket.send(JSON.stringify({ subscribe: topic }))
    })
    socket.addEventListener('message', (event) => {
      let message
      try {
        message = JSON.parse(event.data)
      } catch {
        return
      }
      if (message.topic && message.data) {
        setStatus('live', 'open')
        apply(message.topic, message.data)
      }
    })
    socket.addEventListener('close', () => {
      if (leaving) return
      setStatus('reconnecting…', 'closed')
      setTimeout(connect, delay)
      delay = Math.min(delay * 2, 30000)
    })
  }

  window.addEventListener('pagehide', () => {
    leaving = true
    socket?.close()
  })
  connect()
})()
