import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { CONSOLE_SCRIPT } from './scripts.js';
import { CONSOLE_STYLES } from './styles.js';
import { CONSOLE_BASE, SECTIONS, type SectionKey } from './paths.js';

/** What every console page needs from the request: the CSP nonce and, when signed in, the CSRF token. */
export interface PageFrame {
  /** Nonce of this response's Content-Security-Policy, for the inline style and script. */
  readonly nonce: string;
  /** The session's anti-CSRF token; undefined on the sign-in page. */
  readonly csrfToken: string | undefined;
  /** Who is signed in, shown next to sign-out. */
  readonly actorLabel?: string | undefined;
  /** A one-line success message after a redirect (a "toast"). */
  readonly notice?: string | undefined;
  /** The navigation entry this page belongs to, marked as current. */
  readonly section?: SectionKey | undefined;
}

/** The hidden field every state-changing form carries. */
export const CSRF_FIELD = '_csrf';

export function CsrfField({ frame }: { frame: PageFrame }) {
  return <input type="hidden" name={CSRF_FIELD} value={frame.csrfToken ?? ''} />;
}

export interface LayoutProps {
  readonly title: string;
  readonly frame: PageFrame;
  readonly children?: Child;
}

/** The frame of every page: top bar with navigation and sign-out, a notice, then the content. */
export function Layout({ title, frame, children }: LayoutProps) {
  const isSignedIn = frame.csrfToken !== undefined;
  return (
    <>
      {/* Without a doctype the browser renders in quirks mode, with different box and table rules. */}
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          <meta name="robots" content="noindex" />
          <title>{`${title} · idhooks console`}</title>
          <style nonce={frame.nonce}>{raw(CONSOLE_STYLES)}</style>
        </head>
        <body>
          <a class="skip" href="#content">
            Skip to content
          </a>
          <header class="top">
            <div class="top-inner">
              <a class="brand" href={`${CONSOLE_BASE}/webhooks`}>
                <span class="brand-mark" aria-hidden="true">
                  ih
                </span>
                idhooks<span class="brand-word"> console</span>
              </a>
              {isSignedIn ? (
                <>
                  <nav class="main" aria-label="Main">
                    {SECTIONS.map((section) => (
                      <a
                        href={section.href}
                        aria-current={frame.section === section.key ? 'page' : undefined}
                      >
                        {section.label}
                      </a>
                    ))}
                  </nav>
                  {frame.actorLabel ? (
                    <span class="signed-in-as" data-testid="signed-in-as">
                      Signed in as {frame.actorLabel}
                    </span>
                  ) : null}
                  <form method="post" action={`${CONSOLE_BASE}/sign-out`} class="inline">
                    <CsrfField frame={frame} />
                    <button type="submit" class="btn btn-secondary btn-small">
                      Sign out
                    </button>
                  </form>
                </>
              ) : null}
            </div>
          </header>
          <main id="content" tabindex={-1}>
            {frame.notice ? (
              <p class="notice" role="status" data-testid="notice">
                {frame.notice}
              </p>
            ) : null}
            {children}
          </main>
          <script nonce={frame.nonce}>{raw(CONSOLE_SCRIPT)}</script>
        </body>
      </html>
    </>
  );
}
