// Live values over the panel's WebSocket (/admin/ws). Elements opt in with data attributes:
//   data-live-topic="dashboard.counters"   on a container: subscribe to this topic
//   data-live-key="customers.active"        inside it: set textContent to that path of the pushed data
//   data-live-status                        inside it: shows "live" / "reconnecting…"
// Messages from the server are {"topic": "...", "data": {...}}; the socket is live-socket.js's.
;(() => {
  const containers = [...document.querySelectorAll('[data-live-topic]')]
  if (!containers.length || !window.uplinkLiveSocket) return
  const topics = [...new Set(containers.map((c) => c.dataset.liveTopic))]
  const valueAt = (data, path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), data)
  const format = (value) => (typeof value === 'number' ? value.toLocaleString() : String(value))

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

  window.uplinkLiveSocket('/admin/ws', {
    onOpen: (send) => {
      for (const topic of topics) send({ subscribe: topic })
    },
    onMessage: (message) => {
      if (message.topic && message.data) apply(message.topic, message.data)
    },
  })
})()
