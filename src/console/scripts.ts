/**
 * The console's only script, inlined with the page's CSP nonce. Everything works without it (forms
 * post, confirmations are pages); it adds what HTML cannot do alone: showing and copying the signing
 * key, adding or removing custom-header rows without a round trip, live delivery statuses, and
 * dropping a shown notice from the address so a reload does not repeat it. Buttons it drives carry
 * `js-only` and stay hidden when scripts do not run. Event delegation keeps the markup free of
 * inline handlers, which the CSP forbids.
 */
export const CONSOLE_SCRIPT = `
document.documentElement.classList.add('has-js');
document.addEventListener('click', async function (event) {
  var button = event.target.closest('[data-action]');
  if (!button) return;
  var action = button.dataset.action;
  var target = button.dataset.target ? document.getElementById(button.dataset.target) : null;
  if (action === 'reveal' && target) {
    var show = target.type === 'password';
    target.type = show ? 'text' : 'password';
    button.textContent = show ? 'Hide' : 'Show';
    button.setAttribute('aria-pressed', String(show));
  } else if (action === 'copy' && target) {
    var text = 'value' in target ? target.value : target.textContent;
    var status = document.getElementById(button.dataset.status || '');
    try {
      await navigator.clipboard.writeText(text);
      if (status) status.textContent = 'Copied to the clipboard.';
    } catch (error) {
      if (status) status.textContent = 'Copying failed; select the text and copy it by hand.';
    }
  } else if (action === 'add-header') {
    var template = document.getElementById('header-row-template');
    var list = document.getElementById('header-rows');
    if (!template || !list) return;
    var row = template.content.firstElementChild.cloneNode(true);
    list.appendChild(row);
    row.querySelector('input').focus();
  } else if (action === 'remove-header') {
    var current = button.closest('.header-row');
    var next = current && (current.nextElementSibling || current.previousElementSibling);
    if (current) current.remove();
    var focusable = next ? next.querySelector('input') : document.querySelector('[data-action=add-header]');
    if (focusable) focusable.focus();
  }
});

(function dropShownNotice() {
  var url = new URL(window.location.href);
  if (!url.searchParams.has('notice')) return;
  url.searchParams.delete('notice');
  url.searchParams.delete('count');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
})();
/*
 * Live delivery statuses: while a delivery on screen is waiting or in flight, ask the server for
 * the rows' state every few seconds and repaint their tags; a delivery page whose delivery moved on
 * reloads, to show the new attempt. Polling stops when nothing is open, on an error (a signed-out
 * session answers with a redirect), or after an hour.
 */
(function liveStatuses() {
  var INTERVAL_MS = 2000;
  var stopAt = Date.now() + 3600000;
  var table = document.querySelector('[data-live-status]');
  var card = document.querySelector('[data-live-delivery]');
  var url = table ? table.dataset.liveStatus : card ? card.dataset.liveDelivery : null;
  if (!url) return;
  var status = document.getElementById('live-status');
  function openIds() {
    if (card) return [card.dataset.deliveryId];
    return Array.prototype.map.call(document.querySelectorAll('tr[data-open]'), function (row) {
      return row.dataset.deliveryId;
    });
  }
  function paint(cell, tag) {
    var span = cell && cell.querySelector('.tag');
    if (!span || span.textContent === tag.text) return false;
    span.textContent = tag.text;
    span.className = 'tag tag-' + tag.tone;
    return true;
  }
  function apply(list) {
    var changed = 0;
    list.forEach(function (delivery) {
      if (card) {
        if (card.dataset.version !== delivery.status + ':' + delivery.attemptCount) window.location.reload();
        return;
      }
      var row = document.querySelector('tr[data-delivery-id="' + delivery.id + '"]');
      if (!row) return;
      var a = paint(row.querySelector('[data-field=state]'), delivery.state);
      var b = paint(row.querySelector('[data-field=response]'), delivery.response);
      var count = row.querySelector('[data-field=attempts]');
      if (count) count.textContent = String(delivery.attemptCount);
      if (!delivery.isOpen) row.removeAttribute('data-open');
      if (a || b) changed++;
    });
    if (changed > 0 && status) status.textContent = changed === 1 ? '1 delivery updated.' : changed + ' deliveries updated.';
  }
  async function poll() {
    var ids = openIds();
    if (ids.length === 0 || Date.now() > stopAt) return;
    if (!document.hidden) {
      var response = await fetch(url + '?ids=' + encodeURIComponent(ids.join(',')), {
        headers: { accept: 'application/json' },
        redirect: 'error',
      }).catch(function () { return null; });
      if (!response || !response.ok) return;
      apply((await response.json()).deliveries);
    }
    setTimeout(poll, INTERVAL_MS);
  }
  setTimeout(poll, INTERVAL_MS);
})();
`;
