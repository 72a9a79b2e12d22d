// The panel's live updates share this: a WebSocket to `path` on this host that reconnects (after 1 s,
// doubling up to 30 s), shows its state in every [data-live-status] element ("live" / "reconnecting…")
// and closes quietly when the page goes away. onOpen(send) runs on every (re)connection, so
// subscriptions made there survive reconnects; onMessage gets each message parsed from JSON.
;(() => {
  window.uplinkLiveSocket = (path, { onOpen, onMessage }) => {
    if (!('WebSocket' in window)) return
    let delay = 1000
    let socket
    let leaving = false

    const setStatus = (text, state) => {
      for (const el of document.querySelectorAll('[data-live-status]')) {
        el.textContent = text
        el.dataset.state = state
      }
    }

    const connect = () => {
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
      socket = new WebSocket(`${scheme}//${location.host}${path}`)
      socket.addEventListener('open', () => {
        delay = 1000
        onOpen?.((message) => socket.send(JSON.stringify(message)))
      })
      socket.addEventListener('message', (event) => {
        let message
        try {
          message = JSON.parse(event.data)
        } catch {
          return
        }
        setStatus('live', 'open')
        onMessage(message)
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
  }
})()
