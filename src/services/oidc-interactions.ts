import { AppError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { OidcModelsRepo } from '../storage/repos/oidc-models.js';

/** The provider's interaction a browser is in, read from its signed `_interaction` cookie. */
export interface OidcInteractionRef {
  /** The interaction uid: the `sessionId` of interaction payloads, as in Logto. */
  readonly uid: string;
  /** The application (client) that started it. */
  readonly clientId: string;
}

const INTERACTION_MODEL = 'Interaction';

/**
 * Finishing the provider's interaction from the Experience API. `submit` records the signed-in
 * account as the interaction's result in the same transaction as its events, so the sign-in and
 * its `PostSignIn` commit together; the browser then resumes at `/oidc/auth/<uid>`, where the
 * provider reads the result, opens its session and redirects to the application with a code.
 */
export function createOidcInteractionsService({ models, clock }: { models: OidcModelsRepo; clock: Clock }) {
  return {
    /** Stores `{ login: { accountId } }` as the result and returns where the browser resumes. */
    async finishWithLogin(uid: string, accountId: string, tx: Executor): Promise<string> {
      const now = clock.now();
      const stored = await models.findModel(INTERACTION_MODEL, uid, now, tx);
      if (!stored) throw new AppError('session.not_found');
      const payload = stored.payload;
      const returnTo = payload.returnTo;
      if (typeof returnTo !== 'string') throw new AppError('session.not_found');
      await models.upsertModel(
        {
          modelName: INTERACTION_MODEL,
          id: uid,
          payload: {
            ...payload,
            result: { login: { accountId, ts: Math.floor(now / 1000) } },
          },
          expiresAt: stored.expiresAt,
          uid: typeof payload.uid === 'string' ? payload.uid : undefined,
        },
        tx,
      );
      return returnTo;
    },
  };
}

export type OidcInteractionsService = ReturnType<typeof createOidcInteractionsService>;
