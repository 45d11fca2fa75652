import { AppError, notFoundById } from '../shared/errors.js';
import { newSecret, newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { DeliveryLogsRepo } from '../storage/repos/delivery-logs.js';
import type { HookChanges, HooksRepo } from '../storage/repos/hooks.js';
import { unavailableEventReason, type EventType } from '../domain/events.js';
import {
  hookUrlProblem,
  rotatedPreviousKeys,
  signingKeysInGrace,
  subscribedEvents,
  toHook,
  uniqueEvents,
  type Hook,
  type HookConfig,
  type HookRecord,
} from '../domain/hooks.js';
import { buildRequestHeaders, validateCustomHeaders } from '../domain/headers.js';
import { signatureHeaders } from '../domain/signing.js';
import { buildTestPayload } from '../domain/test-payloads.js';
import type { WebhookSender } from '../domain/outbound.js';
import type { RunInTransaction } from './transaction.js';

export interface CreateHookInput {
  name?: string;
  /** Logto's deprecated single event. */
  event?: EventType | null;
  events?: EventType[];
  config: HookConfig;
  enabled?: boolean;
}

export type UpdateHookInput = Partial<CreateHookInput>;

export interface TestHookInput {
  events: EventType[];
  config: HookConfig;
}

/** One test request's result (Logto's console shows endpoint, status, body and time). */
export interface TestSendOutcome {
  event: EventType;
  /** True when the endpoint answered 2xx. */
  isSuccess: boolean;
  /** The response status; undefined when no response came (DNS, refused, timeout, blocked). */
  status?: number | undefined;
  /** The response body, capped as recorded attempts are. */
  responseBody?: string | undefined;
  /** Why the request failed, when it did. */
  error?: string | undefined;
  durationMs: number;
}

export interface HookListQuery {
  /** Without a page, every hook (Logto's pagination is optional on this route). */
  page?: { page: number; pageSize: number };
  includeExecutionStats: boolean;
}

/** `executionStats` cover a rolling day (docs/compatibility.md#hooks-api). */
export const EXECUTION_STATS_WINDOW_MS = 24 * 60 * 60 * 1000;

/** How often a signing-key regeneration retries after losing a race with another one. */
const ROTATION_ATTEMPTS = 3;

export interface HooksServiceDeps {
  readonly hooks: HooksRepo;
  readonly deliveryLogs: DeliveryLogsRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
  /** Sends test payloads; the delivery engine's dispatcher (timeout, SSRF guard). */
  readonly sender: WebhookSender;
  /** @defaultValue 86400 (config `IDHOOKS_SIGNING_KEY_GRACE_SECONDS`) */
  readonly signingKeyGraceSeconds: number;
  /**
   * Why the delivery guard would refuse a hook's address (the SSRF policy), or undefined. Asked on
   * create, update and the console's hook pages so a refused target is visible before it fails.
   */
  readonly checkTarget?: (url: string) => Promise<string | undefined>;
}

/** Rejects events nothing can emit yet (docs/compatibility.md#compatibility-choices point 5), naming the first one and why. */
function assertSubscribable(events: readonly EventType[]): void {
  for (const event of events) {
    const reason = unavailableEventReason(event);
    if (reason !== undefined)
      throw new AppError('hook.event_not_available', { params: { reason }, data: { event, reason } });
  }
}

/**
 * The checks zod cannot express with our codes. The route's schema already refuses bad URLs; the
 * service repeats the check so every caller (the console too) gets the same guarantee.
 */
function assertValidConfig(config: HookConfig): void {
  const urlProblem = hookUrlProblem(config.url);
  if (urlProblem !== undefined) {
    throw new AppError('guard.invalid_input', {
      message: `Invalid request body: config.url: ${urlProblem}`,
      data: { details: [{ path: 'config.url', message: urlProblem, code: 'custom' }] },
    });
  }
  const headers = validateCustomHeaders(config.headers ?? {});
  if (!headers.ok) {
    const problems = headers.problems.map((p) => (p.name ? `${p.name}: ${p.reason}` : p.reason)).join('; ');
    throw new AppError('hook.invalid_headers', {
      params: { problems },
      data: { problems: headers.problems },
    });
  }
}

/** The Hooks Management API (docs/compatibility.md#hooks-api): configuration, key rotation and test sends. */
export function createHooksService(deps: HooksServiceDeps) {
  const { hooks, deliveryLogs, runInTransaction, clock, sender } = deps;
  const graceMs = deps.signingKeyGraceSeconds * 1000;

  async function findOrThrow(id: string): Promise<HookRecord> {
    const hook = await hooks.findHookById(id);
    if (!hook) throw notFoundById('hook', id);
    return hook;
  }

  async function withStats(records: HookRecord[], includeStats: boolean): Promise<Hook[]> {
    if (!includeStats) return records.map((record) => toHook(record));
    const since = clock.now() - EXECUTION_STATS_WINDOW_MS;
    const stats = await deliveryLogs.executionStats(
      records.map((record) => record.id),
      since,
    );
    return records.map((record) =>
      toHook(record, stats.get(record.id) ?? { requestCount: 0, successCount: 0 }),
    );
  }

  /** One test request and what came of it; never throws for the endpoint's failures. */
  async function sendTest(
    hook: HookRecord,
    event: EventType,
    config: HookConfig,
    now: number,
  ): Promise<TestSendOutcome> {
    const body = JSON.stringify(buildTestPayload(event, hook.id, new Date(now)));
    const headers = buildRequestHeaders({
      custom: config.headers,
      signatureHeaders: signatureHeaders({
        signingKey: hook.signingKey,
        previousKeys: signingKeysInGrace(hook.previousSigningKeys, now),
        // A fresh id per test request: receivers de-duplicating on webhook-id must not drop a retest.
        msgId: `msg_test_${newStandardId()}`,
        timestamp: Math.floor(now / 1000),
        body,
      }),
    });
    const started = clock.now();
    try {
      const { outcome, response, durationMs } = await sender.send({ url: config.url, headers, body });
      const status = response?.status ?? outcome.status;
      return {
        event,
        isSuccess: outcome.ok,
        status,
        responseBody: response?.body,
        error: outcome.ok ? undefined : outcome.error,
        durationMs,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { event, isSuccess: false, error: message, durationMs: clock.now() - started };
    }
  }

  /** Logto's error for a failed test request (docs/compatibility.md#hooks-api: 422 with the endpoint's answer). */
  function testFailure(outcome: TestSendOutcome): AppError {
    if (outcome.status === undefined) {
      return new AppError('hook.send_test_payload_failed', { params: { message: outcome.error ?? '' } });
    }
    return new AppError('hook.endpoint_responded_with_error', {
      data: { responseStatus: outcome.status, responseBody: outcome.responseBody ?? '' },
    });
  }

  /** Validates a test send and sends one payload per event, concurrently; see `testHook`. */
  async function sendTestPayloads(id: string, input: TestHookInput): Promise<TestSendOutcome[]> {
    const hook = await findOrThrow(id);
    const events = uniqueEvents(input.events);
    if (events.length === 0) throw new AppError('hook.missing_events');
    assertSubscribable(events);
    assertValidConfig(input.config);
    const now = clock.now();
    return Promise.all(events.map((event) => sendTest(hook, event, input.config, now)));
  }

  return {
    async listHooks(query: HookListQuery): Promise<{ items: Hook[]; total: number }> {
      if (!query.page) {
        const records = await hooks.listHooks(undefined);
        return { items: await withStats(records, query.includeExecutionStats), total: records.length };
      }
      const { page, pageSize } = query.page;
      const [records, total] = await Promise.all([
        hooks.listHooks({ limit: pageSize, offset: (page - 1) * pageSize }),
        hooks.countHooks(),
      ]);
      return { items: await withStats(records, query.includeExecutionStats), total };
    },

    async getHook(id: string, options: { includeExecutionStats: boolean }): Promise<Hook> {
      const [hook] = await withStats([await findOrThrow(id)], options.includeExecutionStats);
      return hook!;
    },

    /** Why deliveries to `url` would be refused by the address policy; undefined when they would go. */
    async targetWarning(url: string): Promise<string | undefined> {
      return deps.checkTarget?.(url);
    },

    /** Creates a hook with a fresh signing key; `enabled` defaults to true, `events` to `[]`. */
    async createHook(input: CreateHookInput): Promise<Hook> {
      const events = uniqueEvents(input.events ?? []);
      const event = input.event ?? null;
      if (events.length === 0 && event === null) throw new AppError('hook.missing_events');
      assertSubscribable(event === null ? events : [...events, event]);
      assertValidConfig(input.config);
      const record = await runInTransaction(async (tx) => {
        const hook = await hooks.insertHook(
          {
            id: newStandardId(),
            name: input.name ?? '',
            event,
            events,
            config: input.config,
            signingKey: newSecret(),
            enabled: input.enabled ?? true,
            createdAt: clock.now(),
          },
          tx,
        );
        await hooks.replaceSubscriptions(hook.id, subscribedEvents(hook), tx);
        return hook;
      });
      return toHook(record);
    },

    /** Replaces the given fields (JSON columns as a whole); subscriptions follow in the same commit. */
    async updateHook(id: string, input: UpdateHookInput): Promise<Hook> {
      const changes: HookChanges = { ...input };
      if (input.events !== undefined) changes.events = uniqueEvents(input.events);
      assertSubscribable([...(changes.events ?? []), ...(input.event ? [input.event] : [])]);
      if (input.config !== undefined) assertValidConfig(input.config);
      const record = await runInTransaction(async (tx) => {
        const hook = await hooks.updateHookById(id, changes, clock.now(), tx);
        if (!hook) throw new AppError('entity.not_exists', { params: { name: 'hook' } });
        // Subscriptions follow `events` (or the legacy `event`) in the same commit.
        if (changes.events !== undefined || changes.event !== undefined) {
          await hooks.replaceSubscriptions(hook.id, subscribedEvents(hook), tx);
        }
        return hook;
      });
      return toHook(record);
    },

    /**
     * Issues a new signing key. The old one keeps signing `webhook-signature` for the grace period
     * (docs/compatibility.md#additions point 4); `logto-signature-sha-256` uses the new key at once.
     */
    async regenerateSigningKey(id: string): Promise<Hook> {
      for (let attempt = 0; attempt < ROTATION_ATTEMPTS; attempt++) {
        const record = await runInTransaction(async (tx) => {
          const current = await hooks.findHookById(id, tx);
          if (!current) throw new AppError('entity.not_exists', { params: { name: 'hook' } });
          const now = clock.now();
          const previousSigningKeys = rotatedPreviousKeys({
            currentKey: current.signingKey,
            previous: current.previousSigningKeys,
            now,
            graceMs,
          });
          return hooks.replaceSigningKey(
            id,
            current.signingKey,
            { signingKey: newSecret(), previousSigningKeys },
            now,
            tx,
          );
        });
        if (record) return toHook(record);
      }
      throw new Error(`The signing key of hook ${id} kept changing during regeneration; retry the request.`);
    },

    /**
     * Deletes the hook. Its deliveries that are still waiting end as failed in the same commit, so
     * nothing is sent to an endpoint the operator removed; attempts stay readable as history.
     */
    async deleteHook(id: string): Promise<void> {
      await runInTransaction(async (tx) => {
        // Deliveries before the hook row: the lock order the recorder keeps (no deadlock).
        await hooks.failUnfinishedDeliveries(id, clock.now(), tx);
        const deleted = await hooks.deleteHookById(id, tx);
        if (!deleted) throw new AppError('entity.not_found');
      });
    },

    /**
     * Sends one test payload per event (docs/events.md#test-payloads), concurrently, to the config given (maybe
     * unsaved), signed with the stored key. Works for disabled hooks; nothing is recorded. All
     * requests finish before the answer, which reports the first failure in event order.
     */
    async testHook(id: string, input: TestHookInput): Promise<void> {
      const failure = (await sendTestPayloads(id, input)).find((outcome) => !outcome.isSuccess);
      if (failure) throw testFailure(failure);
    },

    /**
     * The same test send, answering every request's outcome instead of throwing for the first
     * failed one, so the console can show status, response and timing of each.
     */
    sendTestPayloads,
  };
}

export type HooksService = ReturnType<typeof createHooksService>;
