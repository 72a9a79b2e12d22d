// Small progressive enhancements for the panel and the portal. Everything works without this file.
;(() => {
  // htmx asks before a request with hx-confirm: answer with a styled <dialog> instead of window.confirm.
  document.addEventListener('htmx:confirm', (event) => {
    const question = event.detail.question
    const dialog = document.getElementById('confirm-dialog')
    if (!question || !dialog || typeof dialog.showModal !== 'function') return
    event.preventDefault()
    dialog.querySelector('#confirm-dialog-text').textContent = question
    dialog.returnValue = ''
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue === 'ok') event.detail.issueRequest(true)
      },
      { once: true },
    )
    dialog.showModal()
    dialog.querySelector('#confirm-dialog-ok')?.focus()
  })

  // Flash messages get a close button.
  const addCloseButtons = (root) => {
    for (const flash of root.querySelectorAll('.flash:not([data-closable])')) {
      flash.dataset.closable = 'true'
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'flash-close'
      button.setAttribute('aria-label', 'Dismiss')
      button.textContent = '×'
      button.addEventListener('click', () => flash.remove())
      flash.appendChild(button)
    }
  }
  document.addEventListener('DOMContentLoaded', () => addCloseButtons(document))
  document.addEventListener('htmx:afterSwap', (event) => addCloseButtons(event.target))

  // The phone menu closes when a link in it is followed or Escape is pressed.
  document.addEventListener('keydown', (event) => {
    const toggle = document.getElementById('nav-toggle')
    if (event.key === 'Escape' && toggle?.checked) toggle.checked = false
  })
})()
