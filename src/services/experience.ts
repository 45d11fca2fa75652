import { AppError } from '../shared/errors.js';
import { newUserId } from '../shared/ids.js';
import { hashPassword, PASSWORD_METHOD, verifyPassword } from '../shared/passwords.js';
import type { Clock } from '../shared/clock.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { ExperienceSessionsRepo } from '../storage/repos/experience-sessions.js';
import type { ExperienceUsersRepo } from '../storage/repos/experience-users.js';
import type { InteractionsRepo } from '../storage/repos/interactions.js';
import type { AttemptCountersRepo } from '../storage/repos/attempt-counters.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { SentinelRepo } from '../storage/repos/sentinel.js';
import type { UserChanges, UsersRepo } from '../storage/repos/users.js';
import type { VerificationCodesRepo } from '../storage/repos/verification-codes.js';
import { HOOK_EVENT_OF_INTERACTION } from '../domain/events.js';
import {
  hasPendingProfile,
  type InteractionEventName,
  type PendingProfile,
  type ProfileInput,
  type VerificationRecord,
} from '../domain/experience.js';
import { experienceEvent, interactionHookEvent } from '../domain/interaction-payloads.js';
import type { PasswordPolicy } from '../domain/password-policy.js';
import type { SentinelPolicy } from '../domain/sentinel.js';
import { toUserInfo, type UserInfo, type UserRecord } from '../domain/users.js';
import type { MessageConnector, SendRatePolicy } from '../domain/verification-codes.js';
import {
  createInteractionStore,
  type ActiveInteraction,
  type CookieUpdates,
  type ExperienceRequest,
} from './experience-state.js';
import { assertPasswordPolicy, createVerifications } from './experience-verifications.js';
import {
  consume,
  findUsableRecord,
  isUniqueViolation,
  profileChanges,
  userOfRecord,
} from './experience-records.js';
import type { SignInDevices } from './sign-in-devices.js';
import type { RunInTransaction } from './transaction.js';
import type { OidcInteractionsService } from './oidc-interactions.js';
import type { BlockingHooksService } from './blocking-hooks.js';
import { preRegisterEvent, preSignInEvent } from '../domain/blocking-payloads.js';

export type { CookieUpdates, ExperienceRequest } from './experience-state.js';

export interface ExperienceSettings {
  readonly sentinelPolicy: SentinelPolicy;
  readonly sendRatePolicy: SendRatePolicy;
  readonly passwordPolicy: PasswordPolicy;
  readonly codeTtlSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly interactionTtlSeconds: number;
  /** New interactions per source address per minute. */
  readonly interactionsPerAddressPerMinute: number;
  /** Public base URL: where the hosted pages live (redirects without an application go there). */
  readonly endpoint: string;
}

export interface ExperienceServiceDeps {
  readonly interactions: InteractionsRepo;
  readonly sessions: ExperienceSessionsRepo;
  readonly applications: ApplicationsRepo;
  readonly users: UsersRepo;
  readonly experienceUsers: ExperienceUsersRepo;
  readonly verificationCodes: VerificationCodesRepo;
  readonly sentinel: SentinelRepo;
  readonly attemptCounters: AttemptCountersRepo;
  readonly limiter: AttemptLimiter;
  readonly connector: MessageConnector;
  /** The new-device sign-in rule (`PostSignInFromNewDevice`). */
  readonly signInDevices: SignInDevices;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
  readonly settings: ExperienceSettings;
  /** Finishes the provider's interaction at submit (sign-ins that started at `/oidc/auth`). */
  readonly oidcInteractions?: OidcInteractionsService;
  /** `PreRegister` and `PreSignIn` (docs/blocking-hooks.md); called before any transaction opens. */
  readonly blockingHooks?: BlockingHooksService;
}

export interface SubmitResult {
  readonly redirectTo: string;
  readonly interactionEvent: InteractionEventName;
  readonly cookies: CookieUpdates;
}

/**
 * Logto's Experience API for sign-up, sign-in and password reset (docs/compatibility.md#sign-in-flows,
 * docs/compatibility.md#sign-in-flows). Every step that changes something commits its events in the same
 * transaction; refused attempts that Logto reports (lockout, send limit) commit their event and
 * then fail.
 */
export function createExperienceService(deps: ExperienceServiceDeps) {
  const { users, clock, runInTransaction, settings } = deps;
  const store = createInteractionStore({
    ...deps,
    interactionsPerAddressPerMinute: settings.interactionsPerAddressPerMinute,
    sessionTtlMs: settings.sessionTtlSeconds * 1000,
    interactionTtlMs: settings.interactionTtlSeconds * 1000,
    retentionMs: Math.max(
      settings.sentinelPolicy.lockoutMinutes * 60_000 * 2,
      settings.sendRatePolicy.windowSeconds * 1000,
      settings.codeTtlSeconds * 1000,
    ),
  });
  const verifications = createVerifications({
    ...deps,
    store,
    sentinelPolicy: settings.sentinelPolicy,
    sendRatePolicy: settings.sendRatePolicy,
    passwordPolicy: settings.passwordPolicy,
    codeTtlMs: settings.codeTtlSeconds * 1000,
  });

  async function identifiedUser(interaction: ActiveInteraction): Promise<UserRecord> {
    const userId = interaction.state.userId;
    const user = userId === undefined ? undefined : await users.findUserById(userId);
    if (!user) throw new AppError('session.identifier_not_found');
    return user;
  }

  async function assertIdentifiersFree(
    fields: { username?: string; primaryEmail?: string },
    excludeUserId?: string,
  ) {
    const conflict = await users.findIdentifierConflict(fields, excludeUserId);
    if (conflict === 'username') throw new AppError('user.username_already_in_use');
    if (conflict === 'primaryEmail') throw new AppError('user.email_already_in_use');
  }

  /** Register identification: creates the account from the record and the profile given so far. */
  async function createUserFrom(
    req: ExperienceRequest,
    interaction: ActiveInteraction,
    record: VerificationRecord,
  ) {
    if (record.type === 'Password') throw new AppError('session.verification_failed');
    const profile = interaction.state.profile;
    const fromRecord: PendingProfile =
      record.type === 'NewPasswordIdentity'
        ? { username: record.identifier.value, passwordEncrypted: record.passwordEncrypted }
        : { primaryEmail: record.identifier.value };
    const merged = { ...profile, ...fromRecord };
    const identifiers = { username: merged.username, primaryEmail: merged.primaryEmail };
    await assertIdentifiersFree(identifiers);
    const ctx = await store.contextOf(interaction, req);
    const { username = null, primaryEmail = null, name = null } = merged;
    const pre = preRegisterEvent(ctx, clock.now(), { username, primaryEmail, primaryPhone: null, name });
    const { customData } = (await deps.blockingHooks?.approve(pre)) ?? { customData: {} };
    try {
      await runInTransaction(async (tx, emit) => {
        const now = clock.now();
        const user = await users.insertUser(
          {
            id: newUserId(),
            username: merged.username ?? null,
            primaryEmail: merged.primaryEmail ?? null,
            primaryPhone: null,
            name: merged.name ?? null,
            avatar: merged.avatar ?? null,
            customData,
            profile: {},
            passwordEncrypted: merged.passwordEncrypted ?? null,
            passwordEncryptionMethod: merged.passwordEncrypted ? PASSWORD_METHOD : null,
            // Logto leaves it null at registration and sets it from the first sign-in.
            applicationId: null,
            createdAt: now,
          },
          tx,
        );
        // User.Created carries the user info without hasPassword (docs/compatibility.md#sign-in-flows).
        await emit(experienceEvent(ctx, 'User.Created', now, { data: toUserInfo(user) }));
        await store.saveState(
          interaction,
          (state) => ({ ...consume(state, record.id), userId: user.id, hasCreatedUser: true, profile: {} }),
          tx,
        );
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await assertIdentifiersFree(identifiers);
      throw error;
    }
  }

  return {
    /** The policy the hosted pages show up front: the one every password check below applies. */
    passwordPolicy: settings.passwordPolicy,
    openInteraction: store.openInteraction,
    findSignInApplication: store.findSignInApplication,

    /** `PUT /api/experience`. */
    startInteraction: store.startInteraction,
    verifyPassword: verifications.verifyPassword,
    createNewPasswordIdentity: verifications.createNewPasswordIdentity,
    sendVerificationCode: verifications.sendVerificationCode,
    verifyVerificationCode: verifications.verifyVerificationCode,

    /** The interaction's event and application, for the hosted pages. */
    async describeInteraction(req: ExperienceRequest) {
      const interaction = await store.requireInteraction(req);
      const app = interaction.applicationId
        ? await deps.applications.findApplicationById(interaction.applicationId)
        : undefined;
      return {
        interactionEvent: interaction.interactionEvent,
        application: app && { id: app.id, name: app.name },
      };
    },

    /**
     * `POST /api/experience/identification`: 201 when a Register interaction created the user
     * (and `User.Created` was emitted), 204 otherwise.
     */
    async identify(
      req: ExperienceRequest,
      input: { verificationId: string },
    ): Promise<{ isCreated: boolean }> {
      const interaction = await store.requireActiveInteraction(req);
      const record = findUsableRecord(interaction.state, input.verificationId);
      if (interaction.interactionEvent === 'Register') {
        if (interaction.state.userId !== undefined) throw new AppError('session.identity_conflict');
        await createUserFrom(req, interaction, record);
        return { isCreated: true };
      }
      if (interaction.interactionEvent === 'ForgotPassword' && record.type !== 'EmailVerificationCode') {
        throw new AppError('session.verification_failed');
      }
      const user = await userOfRecord(users, deps.experienceUsers, record);
      if (interaction.state.userId !== undefined && interaction.state.userId !== user.id) {
        throw new AppError('session.identity_conflict');
      }
      if (user.isSuspended) throw new AppError('user.suspended');
      await store.saveState(interaction, (state) => ({ ...consume(state, record.id), userId: user.id }));
      return { isCreated: false };
    },

    /** `POST /api/experience/profile`: applied at identification (Register, before) or at submit. */
    async addProfile(req: ExperienceRequest, input: ProfileInput): Promise<void> {
      const interaction = await store.requireActiveInteraction(req);
      if (interaction.interactionEvent === 'ForgotPassword') {
        throw new AppError('session.not_supported_for_forgot_password');
      }
      const isRegistering =
        interaction.interactionEvent === 'Register' && interaction.state.userId === undefined;
      const user = isRegistering ? undefined : await identifiedUser(interaction);
      const state = interaction.state;
      let consumedId: string | undefined;
      let change: PendingProfile;
      if (input.type === 'username') {
        await assertIdentifiersFree({ username: input.value }, user?.id);
        change = { username: input.value };
      } else if (input.type === 'password') {
        assertPasswordPolicy(input.value, settings.passwordPolicy, {
          username: state.profile.username ?? user?.username,
          email: state.profile.primaryEmail ?? user?.primaryEmail,
        });
        change = { passwordEncrypted: await hashPassword(input.value) };
      } else if (input.type === 'email') {
        const record = findUsableRecord(state, input.verificationId);
        if (record.type !== 'EmailVerificationCode') throw new AppError('session.verification_failed');
        await assertIdentifiersFree({ primaryEmail: record.identifier.value }, user?.id);
        change = { primaryEmail: record.identifier.value };
        consumedId = record.id;
      } else {
        change = {
          ...(input.values.name === undefined ? {} : { name: input.values.name }),
          ...(input.values.avatar === undefined ? {} : { avatar: input.values.avatar }),
        };
      }
      await store.saveState(interaction, (latest) => {
        const next = consumedId === undefined ? latest : consume(latest, consumedId);
        return { ...next, profile: { ...next.profile, ...change } };
      });
    },

    /** `PUT /api/experience/profile/password` (ForgotPassword only): the new password, applied at submit. */
    async resetPassword(req: ExperienceRequest, input: { password: string }): Promise<void> {
      const interaction = await store.requireActiveInteraction(req);
      if (interaction.interactionEvent !== 'ForgotPassword')
        throw new AppError('session.invalid_interaction_type');
      const user = await identifiedUser(interaction);
      assertPasswordPolicy(input.password, settings.passwordPolicy, {
        username: user.username,
        email: user.primaryEmail,
      });
      if (user.passwordEncrypted && (await verifyPassword(user.passwordEncrypted, input.password))) {
        throw new AppError('user.same_password');
      }
      const passwordEncrypted = await hashPassword(input.password);
      await store.saveState(interaction, (state) => ({
        ...state,
        profile: { ...state.profile, passwordEncrypted },
      }));
    },

    /**
     * `POST /api/experience/submit`: applies the profile, signs the session in (SignIn, Register)
     * and emits `User.Data.Updated` (when something changed) then the interaction event, in the
     * order of docs/compatibility.md#sign-in-flows. The interaction is deleted in the same transaction, so it cannot
     * be submitted twice.
     */
    async submit(req: ExperienceRequest): Promise<SubmitResult> {
      const interaction = await store.requireActiveInteraction(req);
      const event = interaction.interactionEvent;
      const user = await identifiedUser(interaction);
      const { profile } = interaction.state;
      if (event === 'Register' && !user.passwordEncrypted && !profile.passwordEncrypted) {
        throw new AppError('user.missing_profile', { data: { missingProfile: ['password'] } });
      }
      if (event === 'ForgotPassword' && !profile.passwordEncrypted) {
        throw new AppError('user.missing_profile', { data: { missingProfile: ['password'] } });
      }
      const ctx = await store.contextOf(interaction, req);
      if (event === 'SignIn')
        await deps.blockingHooks?.approve(preSignInEvent(ctx, clock.now(), toUserInfo(user)));
      const applicationId = interaction.applicationId ?? req.oidcInteraction?.clientId;
      const app = applicationId ? await deps.applications.findApplicationById(applicationId) : undefined;
      const oidc = event === 'ForgotPassword' ? undefined : req.oidcInteraction;
      let resumeAt: string | undefined;
      // Before the transaction, not after: a failing prune then changes nothing and the user can
      // retry, instead of a committed sign-in answering 500 without its cookies.
      await deps.signInDevices.pruneExpired();
      const cookies = await runInTransaction(async (tx, emit): Promise<CookieUpdates> => {
        if (!(await deps.interactions.deleteInteractionById(interaction.id, tx))) {
          throw new AppError('session.not_found');
        }
        const now = clock.now();
        const isSignIn = event !== 'ForgotPassword';
        if (event === 'SignIn' && app) await deps.experienceUsers.setFirstApplicationId(user.id, app.id, tx);
        const changes: UserChanges = {
          ...profileChanges(profile),
          ...(isSignIn ? { lastSignInAt: now } : {}),
        };
        const updated = await users.updateUserById(user.id, changes, now, tx);
        if (!updated) throw new AppError('session.identifier_not_found');
        const info: UserInfo = toUserInfo(updated);
        if (oidc && deps.oidcInteractions) {
          resumeAt = await deps.oidcInteractions.finishWithLogin(oidc.uid, user.id, tx);
        }
        if (hasPendingProfile(profile))
          await emit(experienceEvent(ctx, 'User.Data.Updated', now, { data: info }));
        const hookEvent = interactionHookEvent(ctx, HOOK_EVENT_OF_INTERACTION[event], now, info);
        await emit(hookEvent);
        if (!isSignIn) {
          // A completed reset proves control of the account: lift its locks so the new password works now.
          for (const identifier of [
            { type: 'username', value: updated.username },
            { type: 'email', value: updated.primaryEmail?.toLowerCase() },
            { type: 'phone', value: updated.primaryPhone },
          ]) {
            if (identifier.value)
              await verifications.releaseLockout({ type: identifier.type, value: identifier.value }, now, tx);
          }
          return {};
        }
        const { deviceToken } = await deps.signInDevices.recordSignIn(tx, emit, {
          signIn: hookEvent,
          userId: user.id,
          deviceToken: req.deviceToken,
          ip: ctx.ip,
          now,
        });
        return {
          sessionToken: await store.signInSession(interaction.sessionId, user.id, now, tx),
          deviceToken,
        };
      });
      const signInPage = `${settings.endpoint}/sign-in${app ? `?app_id=${encodeURIComponent(app.id)}` : ''}`;
      const redirectTo =
        event === 'ForgotPassword'
          ? signInPage
          : (resumeAt ?? app?.oidcClientMetadata.redirectUris[0] ?? `${settings.endpoint}/account`);
      return { redirectTo, interactionEvent: event, cookies };
    },

    /** The user signed in on this browser, if any. */
    async getSignedInUser(
      req: ExperienceRequest,
    ): Promise<{ user: UserInfo; sessionId: string } | undefined> {
      const session = await store.findSignedInSession(req.sessionToken);
      const user = session?.userId ? await users.findUserById(session.userId) : undefined;
      return session && user ? { user: toUserInfo(user), sessionId: session.id } : undefined;
    },

    /** Ends this browser's session; the next interaction starts a new one (a new `sessionId`). */
    signOut: store.signOut,
  };
}

export type ExperienceService = ReturnType<typeof createExperienceService>;
