import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

/*
 * The hosted end-user pages (sign-in, sign-up, password reset, account). They live under
 * `src/http/pages/` rather than beside the admin console because they are part of the public HTTP
 * surface: they read the same cookies and client address as the Experience API routes and follow
 * the `http/` import rules (services, domain types, shared), which the architecture test already
 * enforces. Plain server-rendered HTML forms: no client-side JavaScript is needed; the one script
 * sent (with the response's CSP nonce) only adds the show-password toggle.
 */

// Colours are variables so dark mode (`prefers-color-scheme`) swaps one block; every pair keeps
// WCAG AA contrast in both schemes (axe-core checks it in test/browser/hosted-pages.test.ts).
const STYLES = `
  :root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1d2433;--muted:#5b6475;--border:#c8cdd6;
    --accent:#5d34f2;--on-accent:#fff;--error-bg:#fdecec;--error:#a11b1b;--notice-bg:#eaf6ee;--notice:#1b6b35}
  @media (prefers-color-scheme:dark){:root{--bg:#111319;--card:#1c1f28;--text:#e7e9ef;--muted:#a9b0c0;
    --border:#4b5263;--accent:#b3a1ff;--on-accent:#16121f;--error-bg:#3d1518;--error:#ffb7b7;
    --notice-bg:#12331e;--notice:#a3e6b8}}
  *{box-sizing:border-box}
  body{margin:0;padding:0 16px;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--text)}
  main{max-width:400px;margin:8vh auto;padding:32px;background:var(--card);border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
  @media (max-width:480px){main{margin:24px auto;padding:24px 20px}}
  h1{font-size:1.5rem;margin:0 0 4px} p.app{margin:0 0 24px;color:var(--muted)}
  label{display:block;margin:16px 0 4px;font-weight:600;font-size:.9rem}
  input{width:100%;padding:10px 12px;border:1px solid var(--border);border-radius:8px;font:inherit;background:var(--card);color:var(--text)}
  button{margin-top:24px;width:100%;padding:11px;border:0;border-radius:8px;background:var(--accent);color:var(--on-accent);font:inherit;font-weight:600;cursor:pointer}
  button.secondary{margin-top:12px;background:transparent;color:var(--accent);border:1px solid var(--border)}
  button.toggle{margin-top:6px;width:auto;padding:4px 10px;font-size:.85rem;font-weight:500;background:transparent;color:var(--accent);border:1px solid var(--border)}
  .rules{margin:8px 0 0;padding-left:20px;font-size:.85rem;color:var(--muted)} .rules li{margin:2px 0}
  .error{margin:16px 0 0;padding:10px 12px;border-radius:8px;background:var(--error-bg);color:var(--error)}
  .notice{margin:16px 0 0;padding:10px 12px;border-radius:8px;background:var(--notice-bg);color:var(--notice)}
  nav{margin-top:24px;display:flex;flex-wrap:wrap;gap:8px 16px;justify-content:space-between;font-size:.9rem}
  a{color:var(--accent)} dl{margin:16px 0 0} dt{font-weight:600;font-size:.9rem} dd{margin:0 0 8px;overflow-wrap:anywhere}
`;

/*
 * The show-password toggle. The script adds the button itself, so without JavaScript there is no
 * dead control and the plain password field still works. `aria-pressed` tells a screen reader the
 * state; the label stays fixed, as a toggle button's should.
 */
const TOGGLE_SCRIPT = `
document.querySelectorAll('input[type=password]').forEach(function (input) {
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'toggle';
  button.textContent = 'Show password';
  button.setAttribute('aria-controls', input.id);
  button.setAttribute('aria-pressed', 'false');
  button.addEventListener('click', function () {
    var show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    button.setAttribute('aria-pressed', String(show));
  });
  input.form && input.form.addEventListener('submit', function () { input.type = 'password'; });
  input.insertAdjacentElement('afterend', button);
});
`;

export interface PageProps {
  readonly title: string;
  readonly applicationName?: string | undefined;
  readonly error?: string | undefined;
  readonly notice?: string | undefined;
  /** This response's CSP nonce; without one the page sends no script. */
  readonly nonce?: string | undefined;
  readonly children?: Child;
}

/** The page frame every hosted page shares. */
export function Layout({ title, applicationName, error, notice, nonce, children }: PageProps) {
  return (
    <>
      {/* Without a doctype the browser renders in quirks mode, with different box and table rules. */}
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          <title>{title} · idhooks</title>
          <style>{STYLES}</style>
        </head>
        <body>
          <main>
            <h1>{title}</h1>
            {applicationName ? (
              <p class="app">to continue to {applicationName}</p>
            ) : (
              <p class="app">idhooks</p>
            )}
            {error ? (
              <p class="error" role="alert" data-testid="error">
                {error}
              </p>
            ) : null}
            {notice ? (
              <p class="notice" role="status" data-testid="notice">
                {notice}
              </p>
            ) : null}
            {children}
          </main>
          {nonce ? <script nonce={nonce}>{raw(TOGGLE_SCRIPT)}</script> : null}
        </body>
      </html>
    </>
  );
}

/** Links between the pages; `app_id` is kept so a fresh tab still knows the application. */
export function PageLinks({
  appId,
  show,
}: {
  appId?: string | undefined;
  show: Array<'sign-in' | 'register' | 'forgot-password'>;
}) {
  const query = appId ? `?app_id=${encodeURIComponent(appId)}` : '';
  const labels = { 'sign-in': 'Sign in', register: 'Create account', 'forgot-password': 'Forgot password?' };
  return (
    <nav>
      {show.map((page) => (
        <a href={`/${page}${query}`}>{labels[page]}</a>
      ))}
    </nav>
  );
}
