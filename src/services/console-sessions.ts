import { randomBytes } from 'node:crypto';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { ConsoleSessionRecord, ConsoleSessionsRepo } from '../storage/repos/console-sessions.js';
import type { RolesRepo } from '../storage/repos/roles.js';
import type { UsersRepo } from '../storage/repos/users.js';
import { clientAuthKeys, type AttemptLimiter, type ClientAuthLimits } from './attempt-limiter.js';
import type { AuthService } from './auth.js';
import { hashToken, newOpaqueToken } from './experience-state.js';

/** A signed-in console session as the console sees it. */
export interface ConsoleSession {
  readonly id: string;
  /** The admin application whose credentials opened the session. */
  readonly clientId: string;
  /** The idhooks user who signed in through the hosted page; undefined for a break-glass session. */
  readonly userId: string | undefined;
  /** Who acts in this session, for the page header and the log: `user:<id>` or `client:<id>`. */
  readonly actor: string;
  /** How the console names who is signed in: the user's username, email or name; or the client. */
  readonly actorLabel: string;
  /** Must come back in every form post of this session. */
  readonly csrfToken: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface ConsoleSignIn {
  /** The cookie value; shown once, only its digest is stored. */
  readonly token: string;
  readonly session: ConsoleSession;
}

export interface ConsoleSessionsServiceDeps {
  readonly sessions: ConsoleSessionsRepo;
  readonly auth: Pick<AuthService, 'authenticateClient'>;
  readonly applications: Pick<ApplicationsRepo, 'findApplicationById'>;
  readonly users: Pick<UsersRepo, 'findUserById'>;
  readonly roles: Pick<RolesRepo, 'findRoleByName' | 'listUserRoleIds'>;
  /** The role name that admits a user (config `IDHOOKS_CONSOLE_ADMIN_ROLE`). */
  readonly adminRole: string;
  readonly limiter: AttemptLimiter;
  readonly limits: ClientAuthLimits;
  readonly clock: Clock;
  /** @defaultValue 28800 (config `IDHOOKS_CONSOLE_SESSION_TTL_SECONDS`) */
  readonly ttlSeconds: number;
}

/**
 * Credentials longer than this are refused before hashing: they cannot be real (ids are at most
 * 128 characters, generated secrets 32) and Argon2 over a megabyte would be a cheap way to burn CPU.
 */
const MAX_CREDENTIAL_LENGTH = 512;

/**
 * Sign-in to the admin console with the admin machine-to-machine application's client id and
 * secret, the same credentials that get a Management API token, so there is no second password to
 * manage. Sessions live in the database (every node of a PostgreSQL install accepts them, and
 * sign-out really ends them).
 */
/**
 * What ties a session to the secret it was opened with: a digest of the stored secret hash (whose
 * salt changes with every new secret). When the admin secret changes, no open session matches.
 */
const secretStampOf = (secretHash: string | null) => hashToken(`console-session:${secretHash ?? ''}`);

/** A user session has no secret to follow; its stamp only marks the kind. */
const USER_STAMP = hashToken('console-session:user');

/** Why a user may not open a console session (the callback page words each for the person). */
export type ConsoleUserRefusal = 'unknown_user' | 'suspended' | 'not_admin';

const toConsoleSession = (record: ConsoleSessionRecord, userLabel?: string): ConsoleSession => ({
  id: record.id,
  actorLabel: record.userId ? (userLabel ?? record.userId) : `break-glass client ${record.clientId}`,
  clientId: record.clientId,
  userId: record.userId ?? undefined,
  actor: record.userId ? `user:${record.userId}` : `client:${record.clientId}`,
  csrfToken: record.csrfToken,
  expiresAt: record.expiresAt,
});

export function createConsoleSessionsService({
  sessions,
  auth,
  applications,
  limiter,
  limits,
  clock,
  ttlSeconds,
  users,
  roles,
  adminRole,
}: ConsoleSessionsServiceDeps) {
  /** Checked at sign-in and again on every request: a suspension or role removal applies at once. */
  const check = async (userId: string): Promise<{ refusal?: ConsoleUserRefusal; label?: string }> => {
    const user = await users.findUserById(userId);
    if (!user) return { refusal: 'unknown_user' };
    if (user.isSuspended) return { refusal: 'suspended' };
    const role = await roles.findRoleByName(adminRole);
    if (!role || role.type !== 'User') return { refusal: 'not_admin' };
    const held = await roles.listUserRoleIds(userId);
    if (!held.includes(role.id)) return { refusal: 'not_admin' };
    return { label: user.username ?? user.primaryEmail ?? user.name ?? user.id };
  };

  const open = async (clientId: string, userId: string | null, secretStamp: string, label?: string) => {
    const now = clock.now();
    // Sign-ins are rare: sweeping here keeps the table small without a timer.
    await sessions.deleteExpiredSessions(now);
    const token = newOpaqueToken();
    const record: ConsoleSessionRecord = {
      id: `cs_${newStandardId()}`,
      clientId,
      userId,
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: now + ttlSeconds * 1000,
      secretStamp,
      createdAt: now,
    };
    await sessions.insertSession({ ...record, tokenHash: hashToken(token) });
    return { token, session: toConsoleSession(record, label) };
  };

  return {
    /**
     * Opens a session for a user the provider has just signed in (the console's own OIDC client),
     * or says why not. `clientId` is the console application's id.
     */
    async signInUser(
      clientId: string,
      userId: string,
    ): Promise<{ ok: true; signIn: ConsoleSignIn } | { ok: false; reason: ConsoleUserRefusal }> {
      const { refusal, label } = await check(userId);
      if (refusal) return { ok: false, reason: refusal };
      return { ok: true, signIn: await open(clientId, userId, USER_STAMP, label) };
    },

    /**
     * Opens a session when the credentials are the admin application's; undefined otherwise, the
     * same for an unknown id, a wrong secret or an application without console access.
     */
    async signIn(clientId: string, clientSecret: string, ip?: string): Promise<ConsoleSignIn | undefined> {
      if (clientId.length > MAX_CREDENTIAL_LENGTH || clientSecret.length > MAX_CREDENTIAL_LENGTH) {
        return undefined;
      }
      // Reserved before the Argon2 check: over the limit, 429 without hashing anything.
      const attempt = await limiter.begin(clientAuthKeys(limits, clientId, ip));
      const application = await auth.authenticateClient(clientId, clientSecret);
      if (!application?.isAdmin) {
        attempt.failed();
        return undefined;
      }
      await attempt.succeeded();
      return open(application.id, null, secretStampOf(application.secretHash));
    },

    /** The live session a cookie token names, or undefined (missing, unknown or expired). */
    async findSession(token: string | undefined): Promise<ConsoleSession | undefined> {
      if (!token || token.length > MAX_CREDENTIAL_LENGTH) return undefined;
      const record = await sessions.findLiveSessionByTokenHash(hashToken(token), clock.now());
      if (!record) return undefined;
      if (record.userId) {
        const { refusal, label } = await check(record.userId);
        if (record.secretStamp === USER_STAMP && !refusal) return toConsoleSession(record, label);
        await sessions.deleteSessionByTokenHash(hashToken(token));
        return undefined;
      }
      // The admin secret changed (or the application lost console access) since the sign-in.
      const application = await applications.findApplicationById(record.clientId);
      if (!application?.isAdmin || secretStampOf(application.secretHash) !== record.secretStamp) {
        await sessions.deleteSessionByTokenHash(hashToken(token));
        return undefined;
      }
      return toConsoleSession(record);
    },

    /** Ends the session; the token stops working at once on every node. */
    async signOut(token: string | undefined): Promise<void> {
      if (!token || token.length > MAX_CREDENTIAL_LENGTH) return;
      await sessions.deleteSessionByTokenHash(hashToken(token));
    },
  };
}

export type ConsoleSessionsService = ReturnType<typeof createConsoleSessionsService>;
