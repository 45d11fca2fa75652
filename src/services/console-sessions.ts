import { randomBytes } from 'node:crypto';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { ConsoleSessionsRepo } from '../storage/repos/console-sessions.js';
import { clientAuthKeys, type AttemptLimiter, type ClientAuthLimits } from './attempt-limiter.js';
import type { AuthService } from './auth.js';
import { hashToken, newOpaqueToken } from './experience-state.js';

/** A signed-in console session as the console sees it. */
export interface ConsoleSession {
  readonly id: string;
  /** The admin application whose credentials opened the session. */
  readonly clientId: string;
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

export function createConsoleSessionsService({
  sessions,
  auth,
  applications,
  limiter,
  limits,
  clock,
  ttlSeconds,
}: ConsoleSessionsServiceDeps) {
  return {
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
      const now = clock.now();
      // Sign-ins are rare: sweeping here keeps the table small without a timer.
      await sessions.deleteExpiredSessions(now);
      const token = newOpaqueToken();
      const session: ConsoleSession = {
        id: `cs_${newStandardId()}`,
        clientId: application.id,
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: now + ttlSeconds * 1000,
      };
      await sessions.insertSession({
        ...session,
        tokenHash: hashToken(token),
        secretStamp: secretStampOf(application.secretHash),
        createdAt: now,
      });
      return { token, session };
    },

    /** The live session a cookie token names, or undefined (missing, unknown or expired). */
    async findSession(token: string | undefined): Promise<ConsoleSession | undefined> {
      if (!token || token.length > MAX_CREDENTIAL_LENGTH) return undefined;
      const record = await sessions.findLiveSessionByTokenHash(hashToken(token), clock.now());
      if (!record) return undefined;
      // The admin secret changed (or the application lost console access) since the sign-in.
      const application = await applications.findApplicationById(record.clientId);
      if (!application?.isAdmin || secretStampOf(application.secretHash) !== record.secretStamp) {
        await sessions.deleteSessionByTokenHash(hashToken(token));
        return undefined;
      }
      return (
        record && {
          id: record.id,
          clientId: record.clientId,
          csrfToken: record.csrfToken,
          expiresAt: record.expiresAt,
        }
      );
    },

    /** Ends the session; the token stops working at once on every node. */
    async signOut(token: string | undefined): Promise<void> {
      if (!token || token.length > MAX_CREDENTIAL_LENGTH) return;
      await sessions.deleteSessionByTokenHash(hashToken(token));
    },
  };
}

export type ConsoleSessionsService = ReturnType<typeof createConsoleSessionsService>;
