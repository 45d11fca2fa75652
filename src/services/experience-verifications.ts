import { AppError, type ErrorCode } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../shared/passwords.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { ExperienceUsersRepo } from '../storage/repos/experience-users.js';
import type { SentinelRepo } from '../storage/repos/sentinel.js';
import type { UsersRepo } from '../storage/repos/users.js';
import type { VerificationCodesRepo } from '../storage/repos/verification-codes.js';
import {
  normaliseIdentifierValue,
  type Identifier,
  type InteractionEventName,
  type InteractionState,
  type VerificationRecord,
} from '../domain/experience.js';
import { experienceEvent, type ExperienceContext } from '../domain/interaction-payloads.js';
import { checkPassword, type PasswordPolicy, type PasswordUserInfo } from '../domain/password-policy.js';
import type { AttemptCountersRepo, CounterKey } from '../storage/repos/attempt-counters.js';
import {
  minutesToMs,
  minutesUntil,
  shouldLock,
  type SentinelAction,
  type SentinelPolicy,
  type SentinelTarget,
} from '../domain/sentinel.js';
import {
  generateCode,
  hashCode,
  isCodeMatch,
  isSendAllowed,
  MAX_CODE_ATTEMPTS,
  type MessageConnector,
  type SendRatePolicy,
} from '../domain/verification-codes.js';
import type { ActiveInteraction, ExperienceRequest, InteractionStore } from './experience-state.js';
import type { RunInTransaction } from './transaction.js';

export interface VerificationDeps {
  readonly store: InteractionStore;
  readonly users: UsersRepo;
  readonly experienceUsers: ExperienceUsersRepo;
  readonly verificationCodes: VerificationCodesRepo;
  readonly sentinel: SentinelRepo;
  readonly attemptCounters: AttemptCountersRepo;
  readonly connector: MessageConnector;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
  readonly sentinelPolicy: SentinelPolicy;
  readonly sendRatePolicy: SendRatePolicy;
  readonly passwordPolicy: PasswordPolicy;
  readonly codeTtlMs: number;
}

/** Throws Logto's 422 `password.rejected` with the policy's issues in `data.issues`. */
export function assertPasswordPolicy(password: string, policy: PasswordPolicy, user: PasswordUserInfo) {
  const issues = checkPassword(password, policy, user);
  if (issues.length > 0) throw new AppError('password.rejected', { data: { issues } });
}

const withRecord = (record: VerificationRecord) => (state: InteractionState) => ({
  ...state,
  verifications: [...state.verifications.filter((r) => r.id !== record.id), record],
});

/**
 * The verification steps of the Experience API: password, new password identity, and email codes
 * (send and verify), with the sentinel's lockout around every secret check.
 */
export function createVerifications(deps: VerificationDeps) {
  const { store, clock, runInTransaction, sentinel } = deps;

  const targetOf = (identifier: Identifier): SentinelTarget => ({
    type: identifier.type,
    value: normaliseIdentifierValue(identifier),
  });

  const blocked = (now: number, until: number) =>
    new AppError('session.verification_blocked_too_many_attempts', {
      params: { minutes: minutesUntil(now, until) },
    });

  const lockoutEvent = (ctx: ExperienceContext, identifier: Identifier, now: number) =>
    experienceEvent(ctx, 'Identifier.Lockout', now, { type: identifier.type, value: identifier.value });

  const counterOf = (identifier: Identifier): CounterKey => {
    const target = targetOf(identifier);
    return { scope: `lockout:${target.type}`, key: target.value };
  };
  const limit = () => ({
    max: deps.sentinelPolicy.maxAttempts,
    windowMs: minutesToMs(deps.sentinelPolicy.lockoutMinutes),
  });

  async function refuse(ctx: ExperienceContext, identifier: Identifier, now: number, until: number) {
    await runInTransaction(async (_tx, emit) => emit(lockoutEvent(ctx, identifier, now)));
    return blocked(now, until);
  }

  /**
   * Refuses the attempt while the identifier is locked or its window is used up, without taking
   * an attempt (for steps that check cheaper things before the secret). Every refused attempt
   * emits `Identifier.Lockout` (docs/compatibility.md#sign-in-flows: on every attempt, as Logto).
   */
  async function guardLockout(ctx: ExperienceContext, identifier: Identifier) {
    const now = clock.now();
    const refusal = await deps.attemptCounters.check(counterOf(identifier), limit(), now);
    if (refusal && !refusal.ok) throw await refuse(ctx, identifier, now, refusal.retryAt);
  }

  /**
   * Takes one of the identifier's attempts BEFORE the secret is evaluated, atomically in the
   * database: however many requests race, at most `maxAttempts` evaluations happen per window,
   * on every node. Returns the attempt's number in the window.
   */
  async function reserveAttempt(ctx: ExperienceContext, identifier: Identifier): Promise<number> {
    const now = clock.now();
    const reservation = await deps.attemptCounters.reserve(counterOf(identifier), limit(), now);
    if (reservation.ok) return reservation.attempt;
    throw await refuse(ctx, identifier, now, reservation.retryAt);
  }

  /**
   * Records a failed attempt and throws: `error`, or "blocked" when this attempt was the window's
   * last (the lock and its `Identifier.Lockout` commit with the failure). `alsoRecord` runs in
   * the same transaction (a code's own try counter).
   */
  async function failAttempt(
    ctx: ExperienceContext,
    identifier: Identifier,
    action: SentinelAction,
    error: ErrorCode,
    attempt: number,
    alsoRecord?: (tx: Executor) => Promise<void>,
  ): Promise<never> {
    const now = clock.now();
    const target = targetOf(identifier);
    const policy = deps.sentinelPolicy;
    const lockedUntil = await runInTransaction(async (tx, emit) => {
      await alsoRecord?.(tx);
      await sentinel.insertActivity({ target, action, result: 'Failed', createdAt: now }, tx);
      if (!shouldLock(attempt, policy)) return undefined;
      const until = now + minutesToMs(policy.lockoutMinutes);
      await deps.attemptCounters.lock(counterOf(identifier), until, tx);
      await sentinel.insertActivity(
        { target, action, result: 'Blocked', lockedUntil: until, createdAt: now },
        tx,
      );
      await emit(lockoutEvent(ctx, identifier, now));
      return until;
    });
    throw lockedUntil === undefined ? new AppError(error) : blocked(now, lockedUntil);
  }

  /** A success starts the identifier's count afresh (its earlier failures no longer count). */
  async function recordSuccess(identifier: Identifier, action: SentinelAction, tx?: Executor) {
    await sentinel.insertActivity(
      { target: targetOf(identifier), action, result: 'Success', createdAt: clock.now() },
      tx,
    );
    await deps.attemptCounters.reset(counterOf(identifier), tx);
  }

  async function addRecord(interaction: ActiveInteraction, record: VerificationRecord, tx?: Executor) {
    await store.saveState(interaction, withRecord(record), tx);
    return { verificationId: record.id };
  }

  return {
    guardLockout,
    failAttempt,
    targetOf,

    /** Lifts the identifier's lock and forgets its failures (a completed password reset). */
    async releaseLockout(target: SentinelTarget, now: number, tx: Executor) {
      await sentinel.releaseLocks(target, now, tx);
      await deps.attemptCounters.reset({ scope: `lockout:${target.type}`, key: target.value }, tx);
    },

    /** `POST /api/experience/verification/password` (sign-in only). */
    async verifyPassword(req: ExperienceRequest, input: { identifier: Identifier; password: string }) {
      const interaction = await store.requireActiveInteraction(req);
      if (interaction.interactionEvent !== 'SignIn') throw new AppError('session.invalid_interaction_type');
      const ctx = await store.contextOf(interaction, req);
      const attempt = await reserveAttempt(ctx, input.identifier);
      const userId = await deps.experienceUsers.findUserIdByIdentifier(input.identifier);
      const user = userId === undefined ? undefined : await deps.users.findUserById(userId);
      // No account, or one without a password: verify against a dummy hash anyway, so the answer
      // and its timing are the same as for a wrong password (no user enumeration).
      const encoded = user?.passwordEncrypted ?? (await dummyPasswordHash());
      const isValid = (await verifyPassword(encoded, input.password)) && Boolean(user?.passwordEncrypted);
      if (!isValid || !user)
        return failAttempt(ctx, input.identifier, 'Password', 'session.invalid_credentials', attempt);
      await recordSuccess(input.identifier, 'Password');
      if (user.isSuspended) throw new AppError('user.suspended');
      const record: VerificationRecord = {
        id: newStandardId(),
        type: 'Password',
        identifier: input.identifier,
        userId: user.id,
        isConsumed: false,
      };
      return addRecord(interaction, record);
    },

    /** `POST /api/experience/verification/new-password-identity` (registration only). */
    async createNewPasswordIdentity(
      req: ExperienceRequest,
      input: { identifier: Identifier; password: string },
    ) {
      const interaction = await store.requireActiveInteraction(req);
      if (interaction.interactionEvent !== 'Register') throw new AppError('session.invalid_interaction_type');
      const conflict = await deps.users.findIdentifierConflict(
        { username: input.identifier.value },
        undefined,
      );
      if (conflict) throw new AppError('user.username_already_in_use');
      assertPasswordPolicy(input.password, deps.passwordPolicy, { username: input.identifier.value });
      const record: VerificationRecord = {
        id: newStandardId(),
        type: 'NewPasswordIdentity',
        identifier: input.identifier,
        passwordEncrypted: await hashPassword(input.password),
        isConsumed: false,
      };
      return addRecord(interaction, record);
    },

    /**
     * `POST /api/experience/verification/verification-code`: creates a code record and sends the
     * code. The same answer whether or not an account uses the address (no enumeration); over the
     * per-recipient limit, 429 and `Message.RateLimited`.
     */
    async sendVerificationCode(
      req: ExperienceRequest,
      input: { identifier: Identifier; interactionEvent: InteractionEventName },
    ) {
      const interaction = await store.requireActiveInteraction(req);
      const ctx = await store.contextOf(interaction, req);
      const now = clock.now();
      const recipient = normaliseIdentifierValue(input.identifier);
      const { maxSends, windowSeconds } = deps.sendRatePolicy;
      const sent = await deps.verificationCodes.countCodesSentSince(recipient, now - windowSeconds * 1000);
      if (!isSendAllowed(sent, { maxSends, windowSeconds })) {
        await runInTransaction(async (_tx, emit) =>
          emit(
            experienceEvent(ctx, 'Message.RateLimited', now, {
              action: 'VerificationCodeSend',
              recipient: input.identifier.value,
            }),
          ),
        );
        throw new AppError('request.message_rate_limited');
      }
      const id = newStandardId();
      const code = generateCode();
      const record: VerificationRecord = {
        id,
        type: 'EmailVerificationCode',
        identifier: input.identifier,
        interactionEvent: input.interactionEvent,
        isVerified: false,
        isConsumed: false,
      };
      await runInTransaction(async (tx) => {
        await deps.verificationCodes.insertCode(
          {
            id,
            interactionId: interaction.id,
            recipient,
            interactionEvent: input.interactionEvent,
            codeHash: hashCode(id, code),
            createdAt: now,
            expiresAt: now + deps.codeTtlMs,
          },
          tx,
        );
        await addRecord(interaction, record, tx);
      });
      await deps.connector.send({
        to: input.identifier.value,
        type: input.interactionEvent,
        payload: { code },
      });
      return { verificationId: id };
    },

    /** `POST /api/experience/verification/verification-code/verify`. */
    async verifyVerificationCode(
      req: ExperienceRequest,
      input: { identifier: Identifier; verificationId: string; code: string },
    ) {
      const interaction = await store.requireActiveInteraction(req);
      const record = interaction.state.verifications.find(
        (r) => r.id === input.verificationId && r.type === 'EmailVerificationCode',
      );
      if (!record || record.type !== 'EmailVerificationCode') {
        throw new AppError('session.verification_session_not_found');
      }
      if (normaliseIdentifierValue(record.identifier) !== normaliseIdentifierValue(input.identifier)) {
        throw new AppError('verification_code.email_mismatch');
      }
      const ctx = await store.contextOf(interaction, req);
      await guardLockout(ctx, input.identifier);
      const row = await deps.verificationCodes.findCodeById(interaction.id, record.id);
      if (!row || row.verifiedAt !== null) throw new AppError('verification_code.not_found');
      if (clock.now() >= row.expiresAt) throw new AppError('verification_code.expired');
      if (row.attempts >= MAX_CODE_ATTEMPTS) throw new AppError('verification_code.exceed_max_try');
      const attempt = await reserveAttempt(ctx, input.identifier);
      if (!isCodeMatch(row.id, input.code, row.codeHash)) {
        return failAttempt(
          ctx,
          input.identifier,
          'VerificationCode',
          'verification_code.code_mismatch',
          attempt,
          (tx) => deps.verificationCodes.recordFailedAttempt(interaction.id, row.id, tx),
        );
      }
      return runInTransaction(async (tx) => {
        const isFirstUse = await deps.verificationCodes.markCodeVerified(
          interaction.id,
          row.id,
          clock.now(),
          tx,
        );
        if (!isFirstUse) throw new AppError('verification_code.not_found');
        await recordSuccess(input.identifier, 'VerificationCode', tx);
        return addRecord(interaction, { ...record, isVerified: true }, tx);
      });
    },
  };
}

export type Verifications = ReturnType<typeof createVerifications>;
