import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

/*
 * The hosted end-user pages (sign-in, sign-up, password reset, account). They live under
 * `src/http/pages/` rather than beside the admin console because they are part of the public HTTP
 * surface: they read the same cookies and client address as the Experience API routes and follow
 * the `http/` import rules (services, domain types, shared), which the architecture test already
 * enforces. Plain server-rendered HTML forms: no client-side JavaScript is needed or sent.
 */

const STYLES = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f4f5f7;color:#1d2433}
  main{max-width:400px;margin:8vh auto;padding:32px;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
  h1{font-size:1.5rem;margin:0 0 4px} p.app{margin:0 0 24px;color:#5b6475}
  label{display:block;margin:16px 0 4px;font-weight:600;font-size:.9rem}
  input{width:100%;padding:10px 12px;border:1px solid #c8cdd6;border-radius:8px;font:inherit}
  button{margin-top:24px;width:100%;padding:11px;border:0;border-radius:8px;background:#5d34f2;color:#fff;font:inherit;font-weight:600;cursor:pointer}
  .error{margin:16px 0 0;padding:10px 12px;border-radius:8px;background:#fdecec;color:#a11b1b}
  .notice{margin:16px 0 0;padding:10px 12px;border-radius:8px;background:#eaf6ee;color:#1b6b35}
  nav{margin-top:24px;display:flex;justify-content:space-between;font-size:.9rem}
  a{color:#5d34f2} dl{margin:16px 0 0} dt{font-weight:600;font-size:.9rem} dd{margin:0 0 8px}
`;

export interface PageProps {
  readonly title: string;
  readonly applicationName?: string | undefined;
  readonly error?: string | undefined;
  readonly notice?: string | undefined;
  readonly children?: Child;
}

/** The page frame every hosted page shares. */
export function Layout({ title, applicationName, error, notice, children }: PageProps) {
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
