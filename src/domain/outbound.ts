import type { AttemptOutcome } from './delivery.js';

/** One signed webhook request, ready for the wire. Headers are in wire order. */
export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What came back, recorded on the attempt (response body capped, see RESPONSE_BODY_LIMIT_BYTES). */
export interface SendResult {
  readonly outcome: AttemptOutcome;
  readonly durationMs: number;
  readonly response?: {
    readonly status: number;
    readonly headers: Record<string, string>;
    /** The first RESPONSE_BODY_LIMIT_BYTES bytes of the body, as text. */
    readonly body: string;
  };
}

/** svix's cap: enough to see an error page, small enough to keep history cheap. */
export const RESPONSE_BODY_LIMIT_BYTES = 20_000;

/**
 * Sends webhook requests. Implemented by `delivery/dispatcher.ts` (timeout, SSRF guard, keep-alive);
 * services receive it as a dependency for test sends, so they never import the delivery layer.
 */
export interface WebhookSender {
  send(request: OutboundRequest, options?: { readonly signal?: AbortSignal }): Promise<SendResult>;
}
