import { Hono, type Context } from 'hono';
import { AppError } from '../../shared/errors.js';
import { emailSchema } from '../../domain/users.js';
import { identifierSchema, type Identifier } from '../../domain/experience.js';
import { describePasswordIssue, type PasswordIssue } from '../../domain/password-policy.js';
import type { CookieUpdates, ExperienceRequest, ExperienceService } from '../../services/experience.js';
import type { AppEnv } from '../context.js';
import { formTokenFor, hostedPageHeaders, requireSameSiteForm } from './form-security.js';
import {
  applyCookies,
  clearInteractionCookie,
  clearSessionCookie,
  experienceRequest,
  withCookies,
  type ExperienceCookieOptions,
} from '../experience-cookies.js';
import {
  AccountPage,
  ErrorPage,
  ForgotPasswordPage,
  NewPasswordPage,
  PasswordChangedPage,
  RegisterPage,
  SignInPage,
  type FrameProps,
} from './forms.js';
import { field, prefill, registerCodePage, registerHiddenOf, resetCodePage } from './steps.js';

/** Status codes a page may answer an AppError with. */
type PageStatus = 400 | 401 | 403 | 404 | 409 | 422 | 429 | 502 | 503;

/** Every path of the hosted pages (headers and the form check apply to these only). */
const PAGE_PATHS = [
  '/sign-in',
  '/register',
  '/register/verify',
  '/register/resend',
  '/forgot-password',
  '/forgot-password/verify',
  '/forgot-password/resend',
  '/forgot-password/reset',
  '/account',
  '/sign-out',
] as const;

const CSRF_REFUSED =
  'This form was not accepted: it was not sent from this page, or the page was too old. Go back, reload the page and try again.';

/** The text a person reads for an error; the codes stay in the API. */
function friendlyMessage(error: AppError): string {
  switch (error.code) {
    case 'session.invalid_credentials':
      return 'Incorrect username or password.';
    case 'password.rejected': {
      const issues = (error.data as { issues?: PasswordIssue[] } | undefined)?.issues ?? [];
      return issues.map(describePasswordIssue).join(' ') || error.message;
    }
    case 'session.not_found':
    case 'session.interaction_not_found':
      return 'This page has expired. Please start again.';
    case 'verification_code.code_mismatch':
      return 'That code is not correct.';
    case 'user.user_not_exist':
      return 'No account uses this email address.';
    default:
      return error.message;
  }
}

const invalidEmail = () => new AppError('guard.invalid_input', { message: 'Enter a valid email address.' });

/** "Username or email": an `@` means email, digits only mean phone, anything else a username. */
function parseIdentifier(text: string): Identifier | undefined {
  const type = text.includes('@') ? 'email' : /^\d+$/.test(text) ? 'phone' : 'username';
  const parsed = identifierSchema.safeParse({ type, value: text });
  return parsed.success ? parsed.data : undefined;
}

/**
 * The hosted pages. Each form posts to a handler that runs the same Experience service calls, in
 * the same order, as a client of the Experience API would (docs/compatibility.md#sign-in-flows), so pages and API
 * emit identical events.
 */
export function experiencePages(
  experience: ExperienceService,
  options: ExperienceCookieOptions & { readonly publicOrigin: string },
) {
  const app = new Hono<AppEnv>();
  // Scoped to the pages' own paths: this router is mounted at `/`, where a `*` middleware would
  // also run in front of every API route.
  for (const path of PAGE_PATHS) {
    app.use(path, hostedPageHeaders);
    app.use(
      path,
      requireSameSiteForm(options.publicOrigin, (c) =>
        c.html(<ErrorPage title="Request refused" error={CSRF_REFUSED} />, 403),
      ),
    );
  }

  /**
   * The frame (application name, links, form token) of the current interaction, or of the
   * application the page was opened for.
   */
  async function frameOf(c: Context<AppEnv>, req: ExperienceRequest): Promise<FrameProps> {
    const csrfToken = formTokenFor(c, req.interactionToken, options);
    const nonce = c.get('pageNonce');
    try {
      const { application } = await experience.describeInteraction(req);
      return { applicationName: application?.name, appId: application?.id, csrfToken, nonce };
    } catch {
      if (!req.pendingApplicationId) return { csrfToken, nonce };
      try {
        const application = await experience.findSignInApplication(req.pendingApplicationId);
        return { applicationName: application.name, appId: application.id, csrfToken, nonce };
      } catch {
        return { csrfToken, nonce };
      }
    }
  }

  /**
   * Runs a form step. Cookies set along the way are kept whatever happens; an AppError re-renders
   * the form with a readable message and the error's status.
   */
  async function step(
    c: Context<AppEnv>,
    run: (req: ExperienceRequest, setCookies: (u: CookieUpdates) => ExperienceRequest) => Promise<Response>,
    onError: (frame: FrameProps, status: PageStatus) => Promise<Response> | Response,
  ): Promise<Response> {
    c.header('Cache-Control', 'no-store');
    let req = experienceRequest(c, options);
    // Applied at once: a response built later must carry them, whatever happens next.
    const setCookies = (updates: CookieUpdates) => {
      applyCookies(c, updates, options);
      req = withCookies(req, updates);
      return req;
    };
    try {
      return await run(req, setCookies);
    } catch (error) {
      // 502 (email service) and 503 (a blocking hook, docs/blocking-hooks.md) are worth a message.
      if (!(error instanceof AppError) || (error.status >= 500 && error.status < 502)) throw error;
      const frame = { ...(await frameOf(c, req)), error: friendlyMessage(error) };
      return onError(frame, error.status as PageStatus);
    }
  }

  /** Opens (or keeps) the interaction for a page; an unknown `app_id` is a 404 page. */
  async function open(c: Context<AppEnv>): Promise<FrameProps | Response> {
    c.header('Cache-Control', 'no-store');
    const req = experienceRequest(c, options);
    try {
      const cookies = await experience.openInteraction(req, c.req.query('app_id') || undefined);
      applyCookies(c, cookies, options);
      return frameOf(c, withCookies(req, cookies));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return c.html(
        <ErrorPage title="Unknown application" error="This sign-in link names no application here." />,
        404,
      );
    }
  }

  const passwordPolicy = experience.passwordPolicy;

  async function finish(
    c: Context<AppEnv>,
    req: ExperienceRequest,
    setCookies: (u: CookieUpdates) => unknown,
  ) {
    const result = await experience.submit(req);
    setCookies(result.cookies);
    // Set here, not by `step` afterwards: headers set once the redirect exists would not reach it,
    // and the browser must get the renewed session and the device cookie with this response.
    applyCookies(c, result.cookies, options);
    clearInteractionCookie(c, options);
    return c.redirect(result.redirectTo, 303);
  }

  app.get('/sign-in', async (c) => {
    const frame = await open(c);
    return frame instanceof Response ? frame : c.html(<SignInPage {...frame} />);
  });

  app.post('/sign-in', async (c) => {
    const body = await c.req.parseBody();
    const text = field(body, 'identifier');
    return step(
      c,
      async (req, setCookies) => {
        const started = setCookies(await experience.startInteraction(req, 'SignIn'));
        const identifier = parseIdentifier(text);
        if (!identifier) throw new AppError('session.invalid_credentials');
        const password = typeof body.password === 'string' ? body.password : '';
        const { verificationId } = await experience.verifyPassword(started, { identifier, password });
        await experience.identify(started, { verificationId });
        return finish(c, started, setCookies);
      },
      (frame, status) => c.html(<SignInPage {...frame} identifier={text} />, status),
    );
  });

  app.get('/register', async (c) => {
    const frame = await open(c);
    if (frame instanceof Response) return frame;
    // Filled in again when the visitor comes back from the code step to change the address.
    return c.html(
      <RegisterPage
        {...frame}
        passwordPolicy={passwordPolicy}
        username={prefill(c, 'username')}
        email={prefill(c, 'email')}
      />,
    );
  });

  app.post('/register', async (c) => {
    const body = await c.req.parseBody();
    const username = field(body, 'username');
    const email = field(body, 'email');
    return step(
      c,
      async (req, setCookies) => {
        const started = setCookies(await experience.startInteraction(req, 'Register'));
        if (email && !emailSchema.safeParse(email).success) throw invalidEmail();
        const password = typeof body.password === 'string' ? body.password : '';
        const identity = await experience.createNewPasswordIdentity(started, {
          identifier: { type: 'username', value: username },
          password,
        });
        if (!email) {
          await experience.identify(started, identity);
          return finish(c, started, setCookies);
        }
        const code = await experience.sendVerificationCode(started, {
          identifier: { type: 'email', value: email },
          interactionEvent: 'Register',
        });
        const hidden = {
          passwordVerificationId: identity.verificationId,
          codeVerificationId: code.verificationId,
          email,
          username,
        };
        return c.html(registerCodePage(await frameOf(c, started), hidden));
      },
      (frame, status) =>
        c.html(
          <RegisterPage {...frame} passwordPolicy={passwordPolicy} username={username} email={email} />,
          status,
        ),
    );
  });

  app.post('/register/verify', async (c) => {
    const body = await c.req.parseBody();
    const hidden = registerHiddenOf(body);
    return step(
      c,
      async (req, setCookies) => {
        await experience.verifyVerificationCode(req, {
          identifier: { type: 'email', value: hidden.email },
          verificationId: hidden.codeVerificationId,
          code: field(body, 'code'),
        });
        await experience.addProfile(req, { type: 'email', verificationId: hidden.codeVerificationId });
        await experience.identify(req, { verificationId: hidden.passwordVerificationId });
        return finish(c, req, setCookies);
      },
      (frame, status) => c.html(registerCodePage(frame, hidden), status),
    );
  });

  /*
   * "Send a new code": a new verification record and code, through the same send limit as the
   * first (over it, the 429 message on the page). The page then carries the new record's id, so
   * only the newest code is accepted here; the older record stays as the Experience API left it.
   */
  app.post('/register/resend', async (c) => {
    const hidden = registerHiddenOf(await c.req.parseBody());
    return step(
      c,
      async (req) => {
        if (!emailSchema.safeParse(hidden.email).success) throw invalidEmail();
        const code = await experience.sendVerificationCode(req, {
          identifier: { type: 'email', value: hidden.email },
          interactionEvent: 'Register',
        });
        const frame = { ...(await frameOf(c, req)), notice: `We sent a new code to ${hidden.email}.` };
        return c.html(registerCodePage(frame, { ...hidden, codeVerificationId: code.verificationId }));
      },
      (frame, status) => c.html(registerCodePage(frame, hidden), status),
    );
  });

  app.get('/forgot-password', async (c) => {
    const frame = await open(c);
    if (frame instanceof Response) return frame;
    return c.html(<ForgotPasswordPage {...frame} email={prefill(c, 'email')} />);
  });

  app.post('/forgot-password', async (c) => {
    const body = await c.req.parseBody();
    const email = field(body, 'email');
    return step(
      c,
      async (req, setCookies) => {
        const started = setCookies(await experience.startInteraction(req, 'ForgotPassword'));
        if (!emailSchema.safeParse(email).success) throw invalidEmail();
        const { verificationId } = await experience.sendVerificationCode(started, {
          identifier: { type: 'email', value: email },
          interactionEvent: 'ForgotPassword',
        });
        return c.html(resetCodePage(await frameOf(c, started), { verificationId, email }));
      },
      (frame, status) => c.html(<ForgotPasswordPage {...frame} email={email} />, status),
    );
  });

  app.post('/forgot-password/verify', async (c) => {
    const body = await c.req.parseBody();
    const email = field(body, 'email');
    const verificationId = field(body, 'verificationId');
    return step(
      c,
      async (req) => {
        await experience.verifyVerificationCode(req, {
          identifier: { type: 'email', value: email },
          verificationId,
          code: field(body, 'code'),
        });
        await experience.identify(req, { verificationId });
        return c.html(<NewPasswordPage {...await frameOf(c, req)} passwordPolicy={passwordPolicy} />);
      },
      (frame, status) => c.html(resetCodePage(frame, { verificationId, email }), status),
    );
  });

  app.post('/forgot-password/resend', async (c) => {
    const body = await c.req.parseBody();
    const hidden = { verificationId: field(body, 'verificationId'), email: field(body, 'email') };
    return step(
      c,
      async (req) => {
        if (!emailSchema.safeParse(hidden.email).success) throw invalidEmail();
        const { verificationId } = await experience.sendVerificationCode(req, {
          identifier: { type: 'email', value: hidden.email },
          interactionEvent: 'ForgotPassword',
        });
        const frame = { ...(await frameOf(c, req)), notice: `We sent a new code to ${hidden.email}.` };
        return c.html(resetCodePage(frame, { ...hidden, verificationId }));
      },
      (frame, status) => c.html(resetCodePage(frame, hidden), status),
    );
  });

  app.post('/forgot-password/reset', async (c) => {
    const body = await c.req.parseBody();
    return step(
      c,
      async (req, setCookies) => {
        const frame = await frameOf(c, req);
        await experience.resetPassword(req, {
          password: typeof body.password === 'string' ? body.password : '',
        });
        const result = await experience.submit(req);
        setCookies(result.cookies);
        clearInteractionCookie(c, options);
        return c.html(<PasswordChangedPage {...frame} signInUrl={result.redirectTo} />);
      },
      (frame, status) => c.html(<NewPasswordPage {...frame} passwordPolicy={passwordPolicy} />, status),
    );
  });

  app.get('/account', async (c) => {
    c.header('Cache-Control', 'no-store');
    const req = experienceRequest(c, options);
    const signedIn = await experience.getSignedInUser(req);
    if (!signedIn) return c.redirect('/sign-in', 303);
    return c.html(
      <AccountPage
        user={signedIn.user}
        csrfToken={formTokenFor(c, req.interactionToken, options)}
        nonce={c.get('pageNonce')}
      />,
    );
  });

  app.post('/sign-out', async (c) => {
    await experience.signOut(experienceRequest(c, options));
    clearInteractionCookie(c, options);
    clearSessionCookie(c, options);
    return c.redirect('/sign-in', 303);
  });

  return app;
}
