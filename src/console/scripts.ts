/**
 * The console's only script, inlined with the page's CSP nonce. Everything works without it (forms
 * post, confirmations are pages); it adds what HTML cannot do alone: showing and copying the signing
 * key, and adding or removing custom-header rows without a round trip. Buttons it drives carry
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
`;
