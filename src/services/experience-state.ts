import { createHash, randomBytes } from 'node:crypto';
import { AppError, notFoundById } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { ExperienceSession, ExperienceSessionsRepo } from '../storage/repos/experience-sessions.js';
import type { Interaction, InteractionsRepo } from '../storage/repos/interactions.js';
import type { AttemptCountersRepo } from '../storage/repos/attempt-counters.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { SentinelRepo } from '../storage/repos/sentinel.js';
import type { VerificationCodesRepo } from '../storage/repos/verification-codes.js';
import { applicationSummary } from '../domain/applications.js';
import {
  EMPTY_INTERACTION_STATE,
  type InteractionEventName,
  type InteractionState,
} from '../domain/experience.js';
import type { ExperienceContext } from '../domain/interaction-payloads.js';
import type { OidcInteractionRef } from './oidc-interactions.js';

/** The browser's side of an Experience API call: its cookies and where it came from. */
export interface ExperienceRequest {
  /** Value of the interaction cookie, if sent. */
  readonly interactionToken?: string | undefined;
  /** Value of the session cookie, if sent. */
  readonly sessionToken?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly ip?: string | undefined;
  /** The provider's interaction this browser is in (from its signed cookie), when it came from `/oidc/auth`. */
  readonly oidcInteraction?: OidcInteractionRef | undefined;
  /** The application a hosted page was opened for, kept in a cookie until an interaction starts. */
  readonly pendingApplicationId?: string | undefined;
  /** Value of the long-lived device cookie (the new-device sign-in rule), if sent. */
  readonly deviceToken?: string | undefined;
}

/** Cookies the HTTP layer must set after a call; absent keys stay as they are. */
export interface CookieUpdates {
  readonly interactionToken?: string;
  readonly sessionToken?: string;
  /** A client id to remember for the next interaction; `''` forgets it. */
  readonly pendingApplicationId?: string;
  /** Forget the interaction cookie (a page opened for another application). */
  readonly clearInteraction?: boolean;
  readonly deviceToken?: string;
}

/** An interaction with its event set, ready for verification steps. */
export interface ActiveInteraction extends Interaction {
  readonly interactionEvent: InteractionEventName;
}

/** 32 random bytes in base64url: 43 characters, the shape of Logto's session ids (docs/compatibility.md#compatibility-choices point 4). */
export const newOpaqueToken = () => randomBytes(32).toString('base64url');

/** Cookies hold tokens; storage holds only their SHA-256, so a database dump cannot replay them. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A step re-applies its change at most this often when parallel steps keep saving first. */
const MAX_STATE_RETRIES = 20;

/** Housekeeping runs at most this often, piggy-backed on interaction starts. */
const SWEEP_INTERVAL_MS = 5 * 60_000;

export interface InteractionStoreDeps {
  readonly interactions: InteractionsRepo;
  readonly sessions: ExperienceSessionsRepo;
  readonly applications: ApplicationsRepo;
  readonly verificationCodes: VerificationCodesRepo;
  readonly sentinel: SentinelRepo;
  readonly attemptCounters: AttemptCountersRepo;
  readonly clock: Clock;
  /** Caps new interactions per source address (the cheap flood of cookie-less requests). */
  readonly limiter: AttemptLimiter;
  readonly interactionsPerAddressPerMinute: number;
  readonly sessionTtlMs: number;
  readonly interactionTtlMs: number;
  /** Codes and sentinel rows older than this are no longer needed by any rule. */
  readonly retentionMs: number;
}

/**
 * Sessions and interactions: creating, finding and resetting them from cookie tokens, and building
 * the payload context of a request.
 */
export function createInteractionStore(deps: InteractionStoreDeps) {
  const { interactions, sessions, applications, clock } = deps;
  let lastSweepAt = 0;

  async function sweep(now: number) {
    if (now - lastSweepAt < SWEEP_INTERVAL_MS) return;
    lastSweepAt = now;
    await interactions.deleteExpiredInteractions(now);
    await sessions.deleteExpiredSessions(now);
    await deps.verificationCodes.deleteCodesCreatedBefore(now - deps.retentionMs);
    await deps.sentinel.deleteActivitiesBefore(now - deps.retentionMs);
    await deps.attemptCounters.deleteStaleCounters(now - deps.retentionMs);
  }

  /** The browser's live session, or a new one (with the token to set as its cookie). */
  async function ensureSession(
    token: string | undefined,
    now: number,
  ): Promise<{ session: ExperienceSession; newToken?: string }> {
    const found = token ? await sessions.findSessionByTokenHash(hashToken(token), now) : undefined;
    if (found) return { session: found };
    const newToken = newOpaqueToken();
    // Until someone signs in on it, a session lives no longer than an interaction: abandoned
    // anonymous sessions are pruned within the hour, not after 14 days. Sign-in extends it.
    const session = await sessions.insertSession({
      id: newOpaqueToken(),
      tokenHash: hashToken(newToken),
      createdAt: now,
      expiresAt: now + Math.min(deps.interactionTtlMs, deps.sessionTtlMs),
    });
    return { session, newToken };
  }

  const interactionRule = {
    scope: 'interaction:address',
    max: deps.interactionsPerAddressPerMinute,
    windowSeconds: 60,
    onSuccess: 'release',
  } as const;

  /** The remembered application, when it still exists (it may have been deleted since). */
  async function findPendingApplication(clientId: string) {
    try {
      return await findSignInApplication(clientId);
    } catch {
      return undefined;
    }
  }

  /** An application end users may sign in to: not machine-to-machine, not the admin client. */
  async function findSignInApplication(clientId: string) {
    const app = await applications.findApplicationById(clientId);
    if (!app || app.isAdmin || app.type === 'MachineToMachine') throw notFoundById('application', clientId);
    return app;
  }

  async function createInteraction(
    sessionId: string,
    applicationId: string | null,
    interactionEvent: InteractionEventName | null,
    now: number,
  ): Promise<string> {
    const token = newOpaqueToken();
    await interactions.insertInteraction({
      id: newStandardId(),
      tokenHash: hashToken(token),
      sessionId,
      applicationId,
      interactionEvent,
      state: EMPTY_INTERACTION_STATE,
      createdAt: now,
      expiresAt: now + deps.interactionTtlMs,
    });
    return token;
  }

  async function findInteraction(token: string | undefined, now: number) {
    return token ? interactions.findInteractionByTokenHash(hashToken(token), now) : undefined;
  }

  /** The interaction named by the cookie; `session.not_found` when absent, unknown, tampered or expired. */
  async function requireInteraction(req: ExperienceRequest): Promise<Interaction> {
    const interaction = await findInteraction(req.interactionToken, clock.now());
    if (!interaction) throw new AppError('session.not_found');
    return interaction;
  }

  return {
    findSignInApplication,

    /**
     * `PUT /api/experience`: clears the current interaction and sets its event, keeping its
     * application (Logto: "any existing experience interaction data will be cleared"). Without a
     * live interaction cookie it starts one, for the application a hosted page was opened for.
     */
    async startInteraction(
      req: ExperienceRequest,
      interactionEvent: InteractionEventName,
    ): Promise<CookieUpdates> {
      const now = clock.now();
      const current = await findInteraction(req.interactionToken, now);
      if (current) {
        const { session, newToken } = await ensureSession(req.sessionToken, now);
        await interactions.updateInteractionById(
          current.id,
          { sessionId: session.id, interactionEvent, state: EMPTY_INTERACTION_STATE },
          now,
        );
        return { sessionToken: newToken };
      }
      // The only place state is created for a visitor without one: rate-limited per address.
      await deps.limiter.consume([{ rule: interactionRule, key: req.ip }]);
      await sweep(now);
      const application = req.pendingApplicationId
        ? await findPendingApplication(req.pendingApplicationId)
        : undefined;
      const { session, newToken } = await ensureSession(req.sessionToken, now);
      const interactionToken = await createInteraction(
        session.id,
        application?.id ?? null,
        interactionEvent,
        now,
      );
      return {
        sessionToken: newToken,
        interactionToken,
        ...(req.pendingApplicationId ? { pendingApplicationId: '' } : {}),
      };
    },

    /**
     * Opening a hosted page writes nothing (a cookie-less GET must not cost a row). With a client
     * id, the application is checked and remembered in a cookie, and the current interaction is
     * dropped so the first form post starts a fresh one for that application (Logto's
     * `/sign-in?app_id=`); without, the current interaction is kept.
     */
    async openInteraction(req: ExperienceRequest, clientId: string | undefined): Promise<CookieUpdates> {
      if (clientId === undefined) return {};
      const application = await findSignInApplication(clientId);
      return { pendingApplicationId: application.id, clearInteraction: req.interactionToken !== undefined };
    },

    requireInteraction,

    /** As `requireInteraction`, and its event must be set by `PUT /api/experience` first. */
    async requireActiveInteraction(req: ExperienceRequest): Promise<ActiveInteraction> {
      const interaction = await requireInteraction(req);
      if (!interaction.interactionEvent) throw new AppError('session.interaction_not_found');
      return interaction as ActiveInteraction;
    },

    /**
     * Applies `change` to the interaction's latest state. A compare-and-set on its version: when a
     * parallel step saved first, the change is applied again on top of that step's state, so
     * neither step's verification is lost.
     */
    async saveState(
      interaction: Interaction,
      change: (state: InteractionState) => InteractionState,
      tx?: Executor,
    ): Promise<void> {
      let current: Interaction = interaction;
      for (let tries = 0; tries < MAX_STATE_RETRIES; tries++) {
        if (
          await interactions.compareAndSetState(
            current.id,
            current.version,
            change(current.state),
            clock.now(),
            tx,
          )
        )
          return;
        const fresh = await interactions.findInteractionById(current.id, tx);
        if (!fresh) throw new AppError('session.not_found');
        current = fresh;
      }
      throw new AppError('session.not_found', {
        message: 'The interaction is changing too fast; try again.',
      });
    },

    /** What every payload of this request repeats (docs/compatibility.md#sign-in-flows). */
    async contextOf(interaction: ActiveInteraction, req: ExperienceRequest): Promise<ExperienceContext> {
      const applicationId = interaction.applicationId ?? req.oidcInteraction?.clientId;
      const app = applicationId ? await applications.findApplicationById(applicationId) : undefined;
      return {
        interactionEvent: interaction.interactionEvent,
        userAgent: req.userAgent,
        ip: req.ip,
        // Inside an OIDC sign-in, Logto's sessionId is the provider's interaction uid.
        sessionId: req.oidcInteraction?.uid ?? interaction.sessionId,
        application: app && applicationSummary(app),
      };
    },

    /** The signed-in session of a cookie, if any. */
    async findSignedInSession(sessionToken: string | undefined) {
      if (!sessionToken) return undefined;
      const session = await sessions.findSessionByTokenHash(hashToken(sessionToken), clock.now());
      return session?.userId ? session : undefined;
    },

    /** Binds the session to the user under a fresh cookie token (recreating an expired session row). */
    async signInSession(sessionId: string, userId: string, now: number, tx: Executor): Promise<string> {
      const token = newOpaqueToken();
      const changes = {
        userId,
        tokenHash: hashToken(token),
        signedInAt: now,
        expiresAt: now + deps.sessionTtlMs,
      };
      const updated = await sessions.signInSession(sessionId, changes, tx);
      if (!updated) {
        await sessions.insertSession(
          { id: sessionId, tokenHash: changes.tokenHash, createdAt: now, expiresAt: changes.expiresAt },
          tx,
        );
        await sessions.signInSession(sessionId, changes, tx);
      }
      return token;
    },

    /** Ends the browser's session and interaction. */
    async signOut(req: ExperienceRequest): Promise<void> {
      if (req.sessionToken) await sessions.deleteSessionByTokenHash(hashToken(req.sessionToken));
      if (req.interactionToken)
        await interactions.deleteInteractionByTokenHash(hashToken(req.interactionToken));
    },
  };
}

export type InteractionStore = ReturnType<typeof createInteractionStore>;
