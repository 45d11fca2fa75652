import type { Hook } from '../../domain/hooks.js';
import type { AttemptView, DeliveryView } from '../../services/hook-logs.js';
import { Tag } from '../components.js';
import { formatDuration, formatTime, prettyBody } from '../format.js';
import { CsrfField, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';
import { DeliveryStateTag, ResponseStatusTag } from './delivery-tags.js';
import { isOpenDelivery } from './hook-requests.js';

/** A blocking call's decision (docs/blocking-hooks.md), as the attempt header shows it. */
const DECISION_TEXT = {
  allow: 'Decision: allow',
  deny: 'Decision: deny',
  skipped: 'Skipped (failed open)',
  unavailable: 'Refused (failed closed)',
} as const;
const DECISION_TONE = { allow: 'ok', deny: 'warn', skipped: 'err', unavailable: 'err' } as const;

function HeadersTable({ headers, label }: { headers: Record<string, string>; label: string }) {
  const entries = Object.entries(headers);
  if (entries.length === 0) return <p class="hint">(no headers)</p>;
  return (
    <div class="table-wrap">
      <table class="kv" aria-label={label}>
        <tbody>
          {entries.map(([name, value]) => (
            <tr>
              <th scope="row" class="mono">
                {name}
              </th>
              <td class="mono">{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Attempt({ attempt, isLast, held }: { attempt: AttemptView; isLast: boolean; held: boolean }) {
  return (
    <article class="attempt" data-testid="attempt" aria-labelledby={`attempt-${attempt.attempt}`}>
      <div class="attempt-head">
        <h3 id={`attempt-${attempt.attempt}`}>Attempt {attempt.attempt}</h3>
        <Tag tone={attempt.result === 'Success' ? 'ok' : 'err'}>
          {attempt.result === 'Success' ? 'Success' : 'Failed'}
        </Tag>
        <ResponseStatusTag status={attempt.response?.status ?? null} attempted={true} />
        {attempt.decision ? (
          <Tag tone={DECISION_TONE[attempt.decision]} testId="attempt-decision">
            {DECISION_TEXT[attempt.decision]}
          </Tag>
        ) : null}
        <span class="hint">
          {formatTime(attempt.startedAt)} · {formatDuration(attempt.durationMs)}
        </span>
      </div>
      {attempt.error ? (
        <p class="alert" data-testid="attempt-error">
          {attempt.error}
        </p>
      ) : null}
      <p class="hint" data-testid="next-attempt">
        {attempt.nextAttemptAt !== null && isLast && held
          ? 'The next attempt is held until the webhook is reactivated.'
          : attempt.nextAttemptAt !== null
            ? `Next attempt scheduled for ${formatTime(attempt.nextAttemptAt)}.`
            : isLast
              ? 'No further attempt is scheduled.'
              : 'Followed by the attempt below.'}
      </p>
      {/* Earlier attempts start folded, so a long retry history stays readable; all are in order. */}
      <details open={isLast}>
        <summary>Request and response</summary>
        <div class="grid-2">
          <div>
            <h3>Request</h3>
            <p class="mono hint">POST {attempt.request.url}</p>
            <HeadersTable
              headers={attempt.request.headers}
              label={`Attempt ${attempt.attempt} request headers`}
            />
            <h3>Request body</h3>
            <pre tabindex={0}>{prettyBody(attempt.request.body)}</pre>
          </div>
          <div>
            <h3>Response</h3>
            {attempt.response ? (
              <>
                <p class="hint">Status {attempt.response.status}</p>
                <HeadersTable
                  headers={attempt.response.headers}
                  label={`Attempt ${attempt.attempt} response headers`}
                />
                <h3>Response body</h3>
                {attempt.response.body ? (
                  <pre data-testid="response-body" tabindex={0}>
                    {prettyBody(attempt.response.body)}
                  </pre>
                ) : (
                  <p class="hint">(empty)</p>
                )}
              </>
            ) : (
              <p class="hint">No response was received.</p>
            )}
          </div>
        </div>
      </details>
    </article>
  );
}

/** One delivery with every attempt in order, and the resend action (beyond Logto, issue 7 item 4). */
export function DeliveryPage({
  frame,
  hook,
  delivery,
  error,
}: {
  frame: PageFrame;
  hook: Hook;
  delivery: DeliveryView;
  /** Why the last resend was refused, when it was. */
  error?: string | undefined;
}) {
  // An attempt in flight is recorded first; a disabled hook's deliveries would only wait.
  const canResend = hook.enabled && delivery.status !== 'sending';
  const attempts = delivery.attempts ?? [];
  const held = !hook.enabled && delivery.status === 'pending';
  const isOpen = isOpenDelivery(delivery);
  return (
    <Layout title={`${delivery.event} · ${hook.name || 'Unnamed'}`} frame={frame}>
      <p>
        <a href={consolePaths.requests(hook.id)}>← Back to {hook.name || 'Unnamed'}</a>
      </p>
      <div
        class="card"
        data-testid="delivery-card"
        data-live-delivery={isOpen ? consolePaths.deliveryStatus(hook.id) : undefined}
        data-delivery-id={delivery.id}
        data-version={`${delivery.status}:${delivery.attemptCount}`}
      >
        <div class="hook-head">
          <div>
            <h1 class="mono">{delivery.event}</h1>
            <div class="hook-meta">
              <DeliveryStateTag delivery={delivery} hookEnabled={hook.enabled} />
              <ResponseStatusTag status={delivery.lastResponseStatus} attempted={delivery.attemptCount > 0} />
            </div>
          </div>
          {canResend ? (
            <form
              method="post"
              action={`${consolePaths.delivery(hook.id, delivery.id)}/resend`}
              class="inline"
            >
              <CsrfField frame={frame} />
              <button type="submit" class="btn btn-primary">
                Resend
              </button>
            </form>
          ) : (
            <p class="hint" data-testid="resend-hint">
              {hook.enabled
                ? 'An attempt is being sent right now; it is listed below once it has finished.'
                : 'Reactivate the webhook to resend this delivery.'}
            </p>
          )}
        </div>
        {error ? (
          <p class="alert" role="alert" data-testid="error">
            {error}
          </p>
        ) : null}
        <dl class="facts">
          <dt>Delivery ID</dt>
          <dd class="mono" data-testid="delivery-id">
            {delivery.id}
          </dd>
          <dt>Event ID</dt>
          <dd class="mono">{delivery.eventId}</dd>
          <dt>Created</dt>
          <dd>{formatTime(delivery.createdAt)}</dd>
          <dt>Attempts</dt>
          <dd data-testid="attempt-count">{delivery.attemptCount}</dd>
          <dt>Next attempt</dt>
          <dd data-testid="next-attempt-at">
            {delivery.nextAttemptAt === null
              ? 'None'
              : held
                ? 'Held until the webhook is reactivated'
                : formatTime(delivery.nextAttemptAt)}
          </dd>
          {delivery.orderingKey ? (
            <>
              <dt>Ordering key</dt>
              <dd class="mono" data-testid="ordering-key">
                {delivery.orderingKey}
              </dd>
            </>
          ) : null}
          {delivery.waitingOn ? (
            <>
              <dt>Waiting on</dt>
              <dd data-testid="waiting-on">
                <a class="mono" href={consolePaths.delivery(hook.id, delivery.waitingOn)}>
                  {delivery.waitingOn}
                </a>{' '}
                (sent one at a time per key: this one goes once that one has succeeded or failed for good)
              </dd>
            </>
          ) : null}
          {delivery.lastError ? (
            <>
              <dt>Last error</dt>
              <dd>{delivery.lastError}</dd>
            </>
          ) : null}
        </dl>
      </div>
      <h2>Attempts</h2>
      {isOpen ? (
        <p class="live-status" id="live-status" aria-live="polite">
          <span class="js-only">This page updates by itself when the attempt finishes.</span>
          <noscript>Reload the page to see attempts that finish later.</noscript>
        </p>
      ) : null}
      {attempts.length === 0 ? <p class="hint">Not sent yet.</p> : null}
      {attempts.map((attempt, index) => (
        <Attempt attempt={attempt} isLast={index === attempts.length - 1} held={held} />
      ))}
    </Layout>
  );
}
