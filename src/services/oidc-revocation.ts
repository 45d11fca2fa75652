import type { Executor } from '../storage/db.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { ConsoleSessionsRepo } from '../storage/repos/console-sessions.js';
import type { ExperienceSessionsRepo } from '../storage/repos/experience-sessions.js';
import type { OidcModelsRepo } from '../storage/repos/oidc-models.js';

export interface OidcRevocationDeps {
  readonly models: OidcModelsRepo;
  readonly applications: ApplicationsRepo;
  readonly consoleSessions: ConsoleSessionsRepo;
  readonly experienceSessions: ExperienceSessionsRepo;
}

/**
 * Ending access at once. Stored objects (sessions, grants, codes, refresh tokens, opaque access
 * tokens) are deleted; JWT access tokens cannot be deleted, so for applications a revocation time
 * is recorded that the Management API checks (resource servers of users' tokens see their short
 * lifetime run out). Each function takes the caller's transaction, so the revocation commits with
 * the change that caused it (a suspension, a deletion, a new secret).
 */
export function createOidcRevocationService(deps: OidcRevocationDeps) {
  return {
    /** Signs a user out everywhere: provider sessions, grants, codes, refresh tokens, hosted-page sessions. */
    async revokeUser(userId: string, tx: Executor): Promise<void> {
      await deps.models.deleteByAccountId(userId, tx);
      await deps.experienceSessions.deleteSessionsByUserId(userId, tx);
    },

    /**
     * Ends everything issued to an application: its grants and tokens, console sessions opened with
     * its credentials, and (through `tokens_revoked_at`) the JWT access tokens it holds.
     */
    async revokeApplication(applicationId: string, tx: Executor): Promise<void> {
      await deps.models.deleteByClientId(applicationId, tx);
      await deps.consoleSessions.deleteSessionsByClientId(applicationId, tx);
      // Compared with the `iat` the provider stamps, which comes from the wall clock, not ours.
      await deps.applications.setTokensRevokedAt(applicationId, Date.now(), tx);
    },
  };
}

export type OidcRevocationService = ReturnType<typeof createOidcRevocationService>;
