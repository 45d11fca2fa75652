/**
 * Messages between the delivery engine and its sending thread (sending-thread.ts). Requests and
 * results travel in batches: one message per engine pass or per I/O phase, not one per request.
 */
import type { OutboundRequest, SendResult } from '../domain/outbound.js';

/** What the thread needs to build the same sender as the engine's own thread would. */
export interface SendingThreadData {
  readonly timeoutMs: number;
  readonly allowPrivateTargets: string;
  readonly logLevel: string;
}

/**
 * A request: its id, the number of the caller's abort signal (0: none), and the request. Callers
 * share one signal for all their requests (the engine's stop), so an abort names the signal.
 */
export type SendingThreadRequest = readonly [id: number, signal: number, request: OutboundRequest];

export type ToSendingThread =
  | { readonly type: 'send'; readonly requests: readonly SendingThreadRequest[] }
  | { readonly type: 'abort'; readonly signal: number; readonly reason: string }
  | { readonly type: 'close' };

export type FromSendingThread = {
  readonly type: 'results';
  readonly results: readonly (readonly [number, SendResult])[];
};
