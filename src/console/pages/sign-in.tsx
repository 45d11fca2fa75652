import { CSRF_FIELD, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';

/** Sign-in with the admin machine-to-machine application's credentials. */
export function SignInPage({
  frame,
  signInToken,
  next,
  clientId = '',
  error,
}: {
  frame: PageFrame;
  /** The double-submit token matching the sign-in cookie. */
  signInToken: string;
  next: string;
  clientId?: string;
  error?: string | undefined;
}) {
  return (
    <Layout title="Sign in" frame={frame}>
      <div class="card signin">
        <h1>Sign in to the console</h1>
        <p>
          <a
            class="btn btn-primary"
            href={`${consolePaths.signInWithAccount}?next=${encodeURIComponent(next)}`}
          >
            Sign in with your idhooks account
          </a>
        </p>
        <p class="subtitle">
          Your account needs the administrator role (<code>IDHOOKS_CONSOLE_ADMIN_ROLE</code>).
        </p>
        <h2>Break-glass sign-in</h2>
        <p class="subtitle">
          When no administrator account can sign in, use the client ID and secret of the admin
          machine-to-machine application, printed once when idhooks first started (or set with{' '}
          <code>IDHOOKS_ADMIN_CLIENT_ID</code> and <code>IDHOOKS_ADMIN_CLIENT_SECRET</code>).
        </p>
        {error ? (
          <p class="alert" role="alert" data-testid="error">
            {error}
          </p>
        ) : null}
        <form method="post" action={consolePaths.signIn}>
          <input type="hidden" name={CSRF_FIELD} value={signInToken} />
          <input type="hidden" name="next" value={next} />
          <div class="field">
            <label for="clientId">Client ID</label>
            <input
              type="text"
              id="clientId"
              name="clientId"
              value={clientId}
              autocomplete="username"
              required
              autofocus={!clientId}
              spellcheck={false}
              autocapitalize="off"
            />
          </div>
          <div class="field">
            <label for="clientSecret">Client secret</label>
            <input
              type="password"
              id="clientSecret"
              name="clientSecret"
              autocomplete="current-password"
              required
              autofocus={!!clientId}
            />
          </div>
          <button type="submit" class="btn">
            Sign in with client credentials
          </button>
        </form>
      </div>
    </Layout>
  );
}
