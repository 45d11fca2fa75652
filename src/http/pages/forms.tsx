import {
  describePasswordPolicy,
  PASSWORD_MAX_LENGTH,
  type PasswordPolicy,
} from '../../domain/password-policy.js';
import { Layout, PageLinks } from './layout.js';

/** What every page shows above its form. */
export interface FrameProps {
  readonly applicationName?: string | undefined;
  readonly appId?: string | undefined;
  readonly error?: string | undefined;
  readonly notice?: string | undefined;
  /** The anti-CSRF token every form repeats (see form-security.ts). */
  readonly csrfToken?: string | undefined;
  /** This response's CSP nonce (the show-password toggle). */
  readonly nonce?: string | undefined;
}

/**
 * A new-password field with the policy's rules shown before the first try, tied to the field with
 * `aria-describedby` so a screen reader reads them too.
 */
const NewPasswordField = ({ label, policy }: { label: string; policy: PasswordPolicy }) => (
  <>
    <label for="password">{label}</label>
    <input
      id="password"
      name="password"
      type="password"
      autocomplete="new-password"
      required
      minlength={policy.minLength}
      maxlength={PASSWORD_MAX_LENGTH}
      aria-describedby="password-rules"
    />
    <ul class="rules" id="password-rules" data-testid="password-rules">
      {describePasswordPolicy(policy).map((rule) => (
        <li>{rule}</li>
      ))}
    </ul>
  </>
);

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

export function RegisterPage(
  props: FrameProps & { passwordPolicy: PasswordPolicy; username?: string; email?: string },
) {
  return (
    <Layout title="Create account" {...props}>
      <form method="post" action="/register">
        <Csrf token={props.csrfToken} />
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required value={props.username ?? ''} />
        <label for="email">Email (for password recovery; optional)</label>
        <input id="email" name="email" type="email" autocomplete="email" value={props.email ?? ''} />
        <NewPasswordField label="Password" policy={props.passwordPolicy} />
        <button type="submit">Create account</button>
      </form>
      <PageLinks appId={props.appId} show={['sign-in']} />
    </Layout>
  );
}

/**
 * Step two of sign-up and of password reset: the code sent by email, with a way to have it sent
 * again (`resendAction`, same hidden fields) and back to the step that took the address.
 */
export function CodePage(
  props: FrameProps & {
    action: string;
    resendAction: string;
    changeAddressUrl: string;
    title: string;
    email: string;
    hidden: Record<string, string>;
  },
) {
  const hiddenFields = Object.entries(props.hidden).map(([name, value]) => (
    <input type="hidden" name={name} value={value} />
  ));
  return (
    <Layout
      {...props}
      title={props.title}
      // After an error the "we sent" line would read as news; the error says what to do.
      notice={props.notice ?? (props.error ? undefined : `We sent a 6-digit code to ${props.email}.`)}
    >
      <form method="post" action={props.action}>
        <Csrf token={props.csrfToken} />
        {hiddenFields}
        <label for="code">Verification code</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required />
        <button type="submit">Continue</button>
      </form>
      <form method="post" action={props.resendAction}>
        <Csrf token={props.csrfToken} />
        {hiddenFields}
        <button type="submit" class="secondary" data-testid="resend">
          Send a new code
        </button>
      </form>
      <nav>
        <a href={props.changeAddressUrl} data-testid="change-address">
          Use a different email address
        </a>
      </nav>
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

export function NewPasswordPage(props: FrameProps & { passwordPolicy: PasswordPolicy }) {
  return (
    <Layout title="Choose a new password" {...props}>
      <form method="post" action="/forgot-password/reset">
        <Csrf token={props.csrfToken} />
        <NewPasswordField label="New password" policy={props.passwordPolicy} />
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
