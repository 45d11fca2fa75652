import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import { CodePage, type FrameProps } from './forms.js';

/*
 * What the multi-step forms share: reading a posted field, the link back to an earlier step (filled
 * in again), and the code step of sign-up and of password reset with the fields it carries from post
 * to post (verify and "Send a new code" post the same ones).
 */

/** A posted text field, trimmed; anything else (a file, a missing field) reads as empty. */
export const field = (body: Record<string, unknown>, name: string) => {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
};

/** The query of a link back to an earlier step: the application, and what to fill in again. */
export function stepQuery(appId: string | undefined, fill: Record<string, string>): string {
  const query = new URLSearchParams();
  if (appId) query.set('app_id', appId);
  for (const [name, value] of Object.entries(fill)) if (value) query.set(name, value);
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** A value to fill a form in with from the query, bounded like the form's own fields. */
export const prefill = (c: Context<AppEnv>, name: string) => (c.req.query(name) ?? '').trim().slice(0, 256);

/** The fields the sign-up code step carries from post to post (verify and resend). */
export type RegisterHidden = Record<
  'passwordVerificationId' | 'codeVerificationId' | 'email' | 'username',
  string
>;
export const registerCodePage = (frame: FrameProps, hidden: RegisterHidden) => (
  <CodePage
    {...frame}
    title="Verify your email"
    action="/register/verify"
    resendAction="/register/resend"
    changeAddressUrl={`/register${stepQuery(frame.appId, { username: hidden.username, email: hidden.email })}`}
    email={hidden.email}
    hidden={hidden}
  />
);
export const registerHiddenOf = (body: Record<string, unknown>): RegisterHidden => ({
  passwordVerificationId: field(body, 'passwordVerificationId'),
  codeVerificationId: field(body, 'codeVerificationId'),
  email: field(body, 'email'),
  username: field(body, 'username'),
});
export const resetCodePage = (frame: FrameProps, hidden: { verificationId: string; email: string }) => (
  <CodePage
    {...frame}
    title="Reset password"
    action="/forgot-password/verify"
    resendAction="/forgot-password/resend"
    changeAddressUrl={`/forgot-password${stepQuery(frame.appId, { email: hidden.email })}`}
    email={hidden.email}
    hidden={hidden}
  />
);
