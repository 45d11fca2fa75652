import { applicationSummary } from '../domain/applications.js';
import { signOutHookEvent } from '../domain/interaction-payloads.js';
import { toUserInfo } from '../domain/users.js';
import type { Clock } from '../shared/clock.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { OidcModelsRepo } from '../storage/repos/oidc-models.js';
import type { UsersRepo } from '../storage/repos/users.js';
import type { RunInTransaction } from './transaction.js';

export interface OidcSessionsDeps {
  readonly models: OidcModelsRepo;
  readonly applications: ApplicationsRepo;
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

export interface RequestOrigin {
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
}

/** Provider lifecycle that produces events: sign-out, and the limit on grants per user and app. */
export function createOidcSessionsService(deps: OidcSessionsDeps) {
  const { runInTransaction, clock } = deps;
  return {
    /** `PostSignOut` for a session ended at `/oidc/session/end` (nothing when the user is gone). */
    async recordSignOut(
      input: RequestOrigin & { accountId: string; clientId: string | undefined; sessionId: string },
    ): Promise<void> {
      const user = await deps.users.findUserById(input.accountId);
      if (!user) return;
      const app = input.clientId ? await deps.applications.findApplicationById(input.clientId) : undefined;
      await runInTransaction(async (_tx, emit) => {
        const ctx = {
          sessionId: input.sessionId,
          ip: input.ip,
          userAgent: input.userAgent,
          application: app && applicationSummary(app),
        };
        await emit(signOutHookEvent(ctx, clock.now(), toUserInfo(user)));
      });
    },

    /**
     * Logto's `customClientMetadata.maxAllowedGrants`: after a new grant, the user's oldest grants
     * for the application beyond the limit are revoked (with their tokens) and `Grant.LimitExceeded`
     * is emitted in the same transaction, only when something was revoked.
     */
    async enforceGrantLimit(
      input: RequestOrigin & { grantId: string; accountId: string; clientId: string },
    ): Promise<string[]> {
      const app = await deps.applications.findApplicationById(input.clientId);
      const max = app?.customClientMetadata.maxAllowedGrants;
      if (!app || max === undefined) return [];
      return runInTransaction(async (tx, emit) => {
        const now = clock.now();
        const active = await deps.models.listIdsByAccountAndClient(
          'Grant',
          input.accountId,
          input.clientId,
          now,
          tx,
        );
        if (active.length <= max) return [];
        // Oldest first: every grant has the same lifetime, so expiry orders them by creation.
        const revoked = active.filter((id) => id !== input.grantId).slice(0, active.length - max);
        for (const grantId of revoked) {
          await deps.models.deleteByGrantId(grantId, tx);
          await deps.models.deleteModel('Grant', grantId, tx);
        }
        await emit({
          type: 'Grant.LimitExceeded',
          payload: {
            event: 'Grant.LimitExceeded',
            createdAt: new Date(now).toISOString(),
            ip: input.ip,
            userAgent: input.userAgent,
            application: applicationSummary(app),
            userId: input.accountId,
            applicationId: app.id,
            revokedGrantIds: revoked,
            maxAllowedGrants: max,
            preRevocationActiveGrantCount: active.length,
          },
        });
        return revoked;
      });
    },
  };
}

export type OidcSessionsService = ReturnType<typeof createOidcSessionsService>;
