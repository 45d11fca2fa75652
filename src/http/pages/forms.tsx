import { Layout, PageLinks } from './layout.js';

/** What every page shows above its form. */
export interface FrameProps {
  readonly applicationName?: string | undefined;
  readonly appId?: string | undefined;
  readonly error?: string | undefined;
  readonly notice?: string | undefined;
  /** The anti-CSRF token every form repeats (see form-security.ts). */
  readonly csrfToken?: string | undefined;
}

/** The hidden anti-CSRF field of every form. */
const Csrf = ({ token }: { token: string | undefined }) => (
  <input type="hidden" name="_csrf" value={token ?? ''} />
);

export function SignInPage(props: FrameProps & { identifier?: string }) {
  return (
    <Layout title="Sign in" {...props}>
      <form method="post" action="/sign-in">
        <Csrf token={props.csrfToken} />
        <label for="identifier">Username or email</label>
        <input
          id="identifier"
          name="identifier"
          autocomplete="username"
          required
          value={props.identifier ?? ''}
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
      <PageLinks appId={props.appId} show={['register', 'forgot-password']} />
    </Layout>
  );
}

export function RegisterPage(props: FrameProps & { username?: string; email?: string }) {
  return (
    <Layout title="Create account" {...props}>
      <form method="post" action="/register">
        <Csrf token={props.csrfToken} />
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required value={props.username ?? ''} />
        <label for="email">Email (for password recovery; optional)</label>
        <input id="email" name="email" type="email" autocomplete="email" value={props.email ?? ''} />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minlength={8}
        />
        <button type="submit">Create account</button>
      </form>
      <PageLinks appId={props.appId} show={['sign-in']} />
    </Layout>
  );
}

/** Step two of sign-up and of password reset: the code sent by email. */
export function CodePage(
  props: FrameProps & { action: string; title: string; email: string; hidden: Record<string, string> },
) {
  return (
    <Layout
      {...props}
      title={props.title}
      notice={props.notice ?? `We sent a 6-digit code to ${props.email}.`}
    >
      <form method="post" action={props.action}>
        <Csrf token={props.csrfToken} />
        {Object.entries(props.hidden).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <label for="code">Verification code</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required />
        <button type="submit">Continue</button>
      </form>
    </Layout>
  );
}

export function ForgotPasswordPage(props: FrameProps & { email?: string }) {
  return (
    <Layout title="Reset password" {...props}>
      <form method="post" action="/forgot-password">
        <Csrf token={props.csrfToken} />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={props.email ?? ''} />
        <button type="submit">Send code</button>
      </form>
      <PageLinks appId={props.appId} show={['sign-in']} />
    </Layout>
  );
}

export function NewPasswordPage(props: FrameProps) {
  return (
    <Layout title="Choose a new password" {...props}>
      <form method="post" action="/forgot-password/reset">
        <Csrf token={props.csrfToken} />
        <label for="password">New password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minlength={8}
        />
        <button type="submit">Reset password</button>
      </form>
    </Layout>
  );
}

export function PasswordChangedPage(props: FrameProps & { signInUrl: string }) {
  return (
    <Layout
      title="Password changed"
      {...props}
      notice="Your password has been changed. Sign in with the new one."
    >
      <nav>
        <a href={props.signInUrl}>Sign in</a>
      </nav>
    </Layout>
  );
}

export function AccountPage(
  props: FrameProps & { user: { id: string; username: string | null; primaryEmail: string | null } },
) {
  return (
    <Layout title="You are signed in" {...props}>
      <dl data-testid="account">
        <dt>Username</dt>
        <dd data-testid="username">{props.user.username ?? '—'}</dd>
        <dt>Email</dt>
        <dd>{props.user.primaryEmail ?? '—'}</dd>
        <dt>User id</dt>
        <dd>{props.user.id}</dd>
      </dl>
      <form method="post" action="/sign-out">
        <Csrf token={props.csrfToken} />
        <button type="submit">Sign out</button>
      </form>
    </Layout>
  );
}

export function ErrorPage(props: FrameProps & { title: string }) {
  return (
    <Layout title={props.title} error={props.error}>
      <nav>
        <a href="/sign-in">Back to sign in</a>
      </nav>
    </Layout>
  );
}
