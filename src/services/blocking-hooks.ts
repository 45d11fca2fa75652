/**
 * Blocking hooks (issue 15, docs/blocking-hooks.md): before a sign-up, a sign-in or a token issue,
 * every enabled hook subscribed to the blocking event is called in parallel through the one
 * webhook sender (so the SSRF guard sees every address), signed like any delivery, and waited for
 * at most its `config.timeoutMs`. Their answers make one verdict for the flow.
 *
 * No database transaction is open while the calls are out: the hooks are read before, and the
 * calls are recorded (with the skipped notices and any circuit event) in one transaction after.
 */
import { performance } from 'node:perf_hooks';
import {
  combineResults,
  readDecision,
  recordedDecisionOf,
  type CallResult,
  type Verdict,
} from '../domain/blocking-decisions.js';
import {
  circuitClosedEvent,
  circuitOpenedEvent,
  skippedNotice,
  type BlockingNewEvent,
} from '../domain/blocking-payloads.js';
import { admit, CIRCUIT_POLICY, CLOSED, recordResult, type CircuitState } from '../domain/circuit-breaker.js';
import type { BlockingEvent } from '../domain/events.js';
import { buildRequestHeaders } from '../domain/headers.js';
import { blockingSettingsOf, signingKeysInGrace, type PreviousSigningKey } from '../domain/hooks.js';
import { RESPONSE_BODY_LIMIT_BYTES, type SendResult, type WebhookSender } from '../domain/outbound.js';
import { bodyForHook, type NewEvent } from '../domain/payloads.js';
import { signatureHeaders } from '../domain/signing.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { newRecordId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { BlockingCallsRepo, BlockingHook, CallRecord } from '../storage/repos/blocking-calls.js';
import type { RunInTransaction } from './transaction.js';

/** How a call ended, for `/metrics`: the receiver's decision, a failure, or no call (breaker open). */
export type BlockingOutcome = 'allow' | 'deny' | 'failure' | 'circuit_open';

export interface BlockingHooksDeps {
  readonly calls: BlockingCallsRepo;
  readonly sender: WebhookSender;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Wakes the local engine after skipped notices were queued. */
  readonly wake?: () => void;
  /** Counts each hook's call (or skip) in `/metrics`. */
  readonly onCall?: (event: BlockingEvent, outcome: BlockingOutcome, durationMs: number) => void;
}

const parsePreviousKeys = (json: string): PreviousSigningKey[] => {
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) ? (parsed as PreviousSigningKey[]) : [];
  } catch {
    return [];
  }
};

/** What one hook's call came to: the result for the verdict and, when a call was made, its record. */
interface HookCall {
  readonly hook: BlockingHook;
  readonly result: CallResult;
  /** True when this call was a half-open breaker's trial. */
  readonly isTrial: boolean;
  readonly record?: CallRecord;
}

export function createBlockingHooksService(deps: BlockingHooksDeps) {
  const { calls, sender, clock } = deps;
  /** Per hook, in this process. A hook that is failing is learnt about by each process on its own. */
  const breakers = new Map<string, CircuitState>();
  const breakerOf = (hookId: string) => breakers.get(hookId) ?? CLOSED;

  /** Sends the signed request and reads the answer; every way it can go wrong is a failure value. */
  async function exchange(
    hook: BlockingHook,
    event: BlockingEvent,
    body: string,
    deliveryId: string,
    timeoutMs: number,
  ) {
    const now = clock.now();
    const headers = buildRequestHeaders({
      custom: hook.config.headers,
      signatureHeaders: signatureHeaders({
        signingKey: hook.signingKey,
        previousKeys: signingKeysInGrace(parsePreviousKeys(hook.previousSigningKeys), now),
        msgId: deliveryId,
        timestamp: Math.floor(now / 1000),
        body,
      }),
    });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const started = performance.now();
    let sent: SendResult;
    try {
      sent = await sender.send({ url: hook.config.url, headers, body }, { signal: controller.signal });
    } catch (error) {
      sent = { outcome: { ok: false, retryable: true, error: (error as Error).message }, durationMs: 0 };
    } finally {
      clearTimeout(timer);
    }
    const durationMs = Math.round(performance.now() - started);
    const response = sent.response;
    let error: string | undefined;
    let decision: Extract<CallResult, { kind: 'decided' }> | undefined;
    if (timedOut) error = `timed out after ${timeoutMs} ms`;
    else if (!response) error = sent.outcome.ok ? 'no response' : sent.outcome.error;
    // The sender keeps only the first RESPONSE_BODY_LIMIT_BYTES: a body that reached the cap may
    // have been cut, so it is never read as a decision.
    else if (Buffer.byteLength(response.body) >= RESPONSE_BODY_LIMIT_BYTES - 3) {
      error = `the response body is larger than ${RESPONSE_BODY_LIMIT_BYTES} bytes`;
    } else {
      const reading = readDecision(event, response.status, response.body);
      if (reading.ok) decision = { kind: 'decided', decision: reading.value };
      else error = reading.error;
    }
    return { now, headers, durationMs, response, error, decision };
  }

  async function callHook(hook: BlockingHook, event: BlockingEvent, payloadJson: string): Promise<HookCall> {
    const { timeoutMs, failurePolicy } = blockingSettingsOf(hook.config);
    const failed: CallResult = { kind: 'failed', policy: failurePolicy };
    const admission = admit(breakerOf(hook.id), clock.now());
    breakers.set(hook.id, admission.state);
    if (!admission.call) {
      deps.onCall?.(event, 'circuit_open', 0);
      return { hook, result: failed, isTrial: false };
    }
    const deliveryId = newRecordId('dlv');
    let call: Awaited<ReturnType<typeof exchange>>;
    try {
      call = await exchange(hook, event, bodyForHook(payloadJson, hook.id), deliveryId, timeoutMs);
    } catch (error) {
      // Only a bug gets here (a malformed stored config, say); it is this hook's failure, not the flow's.
      const message = `the call could not be made: ${(error as Error).message}`;
      call = {
        now: clock.now(),
        headers: {},
        durationMs: 0,
        response: undefined,
        error: message,
        decision: undefined,
      };
    }
    const result = call.decision ?? failed;
    const isSuccess = result.kind === 'decided';
    deps.onCall?.(event, isSuccess ? result.decision.decision : 'failure', call.durationMs);
    return {
      hook,
      result,
      isTrial: admission.isTrial,
      record: {
        deliveryId,
        hookId: hook.id,
        isSuccess,
        startedAt: call.now,
        durationMs: call.durationMs,
        requestUrl: hook.config.url,
        requestHeaders: call.headers,
        responseStatus: call.response?.status,
        responseHeaders: call.response?.headers,
        responseBody: call.response?.body,
        error: call.error,
        decision: recordedDecisionOf(result),
      },
    };
  }

  /** Moves each called hook's breaker on; returns the circuit events the moves cause. */
  function updateBreakers(made: readonly HookCall[]): NewEvent[] {
    const events: NewEvent[] = [];
    const now = clock.now();
    for (const { hook, record, isTrial } of made) {
      if (!record) continue;
      const before = breakerOf(hook.id);
      const moved = recordResult(before, { ok: record.isSuccess, isTrial }, now);
      breakers.set(hook.id, moved.state);
      const target = { id: hook.id, name: hook.name, url: hook.config.url };
      if (moved.transition === 'opened') {
        deps.logger?.warn({ hookId: hook.id }, 'blocking hook circuit opened; calls are skipped for a while');
        events.push(circuitOpenedEvent(target, now, now + CIRCUIT_POLICY.openForMs));
      } else if (moved.transition === 'closed' && before.phase === 'halfOpen') {
        events.push(circuitClosedEvent(target, now, before.openedAt));
      }
    }
    return events;
  }

  /**
   * Calls the hooks subscribed to `event` and returns the verdict, after recording the calls.
   * With no hook subscribed it answers allow without any write.
   */
  async function evaluate(event: BlockingNewEvent): Promise<Verdict> {
    const hooks = await calls.listSubscribedHooks(event.type);
    if (hooks.length === 0) return { outcome: 'allow', customData: {}, claims: {} };
    const payloadJson = JSON.stringify(event.payload);
    const made = await Promise.all(hooks.map((hook) => callHook(hook, event.type, payloadJson)));
    const circuitEvents = updateBreakers(made);
    const noticeHooks = made
      .filter((m) => m.result.kind === 'failed' && m.result.policy === 'open')
      .map((m) => m.hook.id);
    const records = made.flatMap((m) => (m.record ? [m.record] : []));
    const queued = await deps.runInTransaction(async (tx, emit) => {
      const notices = await calls.recordCalls(
        tx,
        {
          event,
          calls: records,
          notice: { event: skippedNotice(event), hookIds: noticeHooks },
          isHistoryOnly: circuitEvents.length === 0,
        },
        clock.now(),
      );
      for (const circuitEvent of circuitEvents) await emit(circuitEvent);
      return notices;
    });
    if (queued > 0) deps.wake?.();
    return combineResults(made.map((m) => m.result));
  }

  /** Throws the flow's error for a verdict that stops it; returns the allow otherwise. */
  function enforce(verdict: Verdict): Extract<Verdict, { outcome: 'allow' }> {
    if (verdict.outcome === 'deny') throw new AppError('hook.denied', { message: verdict.message });
    if (verdict.outcome === 'unavailable') throw new AppError('hook.unavailable');
    return verdict;
  }

  return {
    evaluate,
    enforce,

    /** {@link evaluate} then {@link enforce}: what a flow calls before its own transaction. */
    async approve(event: BlockingNewEvent): Promise<Extract<Verdict, { outcome: 'allow' }>> {
      return enforce(await evaluate(event));
    },

    /** The breaker of a hook as this process sees it (console, tests). */
    circuitOf(hookId: string): CircuitState {
      return breakerOf(hookId);
    },
  };
}

export type BlockingHooksService = ReturnType<typeof createBlockingHooksService>;
