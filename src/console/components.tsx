import type { Child } from 'hono/jsx';
import {
  eventFamilies,
  isIdhooksAddition,
  isSubscribableEvent,
  unavailableEventReason,
} from '../domain/events.js';
import type { HookExecutionStats } from '../domain/hooks.js';
import { formatCount, successRate, type Tone } from './format.js';
import type { HeaderRow, HookField, HookFormErrors } from './hook-form.js';

export function Tag({ tone, children, testId }: { tone: Tone; children?: Child; testId?: string }) {
  return (
    <span class={`tag tag-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

/** Success rate (24 h) with Logto's colours, "-" without requests, "Not in use" when disabled. */
export function SuccessRateTag({ enabled, stats }: { enabled: boolean; stats?: HookExecutionStats }) {
  if (!enabled) return <Tag tone="idle">Not in use</Tag>;
  const rate = successRate(stats);
  if (!rate) return <span aria-label="No requests">-</span>;
  return <Tag tone={rate.tone}>{rate.text}</Tag>;
}

export const requestCountText = (enabled: boolean, stats?: HookExecutionStats) =>
  enabled ? formatCount(stats?.requestCount ?? 0) : '-';

/** A labelled field with its hint and error; the input gets `aria-describedby` from `describedBy`. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  children?: Child;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`} data-testid={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** `aria-describedby` for a field with an optional hint and error. */
export const describedBy = (id: string, hasHint: boolean, error: string | undefined) =>
  [hasHint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

const FIELD_ANCHORS: Record<HookField, string> = {
  name: 'name',
  url: 'url',
  events: 'events',
  headers: 'headers',
};

/** The list of problems at the top of a refused form, each linking to its field. */
export function ErrorSummary({ errors }: { errors: HookFormErrors | undefined }) {
  if (!errors) return null;
  const entries = Object.entries(errors.fields) as Array<[HookField, string]>;
  if (entries.length === 0 && !errors.form) return null;
  return (
    <div class="alert" role="alert" data-testid="error">
      {errors.form ?? 'The webhook was not saved. Fix the problems below:'}
      {entries.length > 0 ? (
        <ul>
          {entries.map(([field, message]) => (
            <li>
              <a href={`#${FIELD_ANCHORS[field]}`}>{message}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * The events checkbox group, by family in the order of Logto's console (docs/compatibility.md#console). Families
 * with nothing subscribable (trusted devices) are left out, as Logto hides dev-only ones; single
 * events idhooks cannot emit yet are shown disabled with the reason, and idhooks' own additions to
 * Logto's catalog carry an `idhooks` badge so nobody mistakes them for Logto events.
 */
export function EventPicker({
  selected,
  error,
}: {
  selected: readonly string[];
  error?: string | undefined;
}) {
  const chosen = new Set(selected);
  const families = eventFamilies.filter((family) => family.events.some(isSubscribableEvent));
  return (
    <div class="field events-block" id="events" aria-invalid={error ? 'true' : undefined}>
      <p class="label" id="events-label">
        Events
      </p>
      <p class="hint" id="events-hint">
        The endpoint receives a POST request each time one of these happens.
      </p>
      {error ? (
        <p class="field-error" id="events-error" data-testid="events-error">
          {error}
        </p>
      ) : null}
      <div class="events-grid">
        {families.map((family) => (
          <fieldset>
            <legend>{family.label}</legend>
            {family.events.map((event) => {
              const reason = unavailableEventReason(event);
              return (
                <label class="check">
                  <input
                    type="checkbox"
                    name="events"
                    value={event}
                    checked={chosen.has(event)}
                    disabled={reason !== undefined}
                    aria-describedby={error ? 'events-error' : undefined}
                  />
                  <span class={reason ? 'unavailable' : undefined}>
                    <span class="mono">{event}</span>
                    {isIdhooksAddition(event) ? (
                      <span
                        class="tag tag-info"
                        title="Not in Logto: an idhooks addition"
                        data-testid="idhooks-addition"
                      >
                        idhooks
                      </span>
                    ) : null}
                    {reason ? <span class="hint"> (not emitted by idhooks yet)</span> : null}
                  </span>
                </label>
              );
            })}
          </fieldset>
        ))}
      </div>
    </div>
  );
}

function HeaderRowInputs({ row, index, error }: { row: HeaderRow; index: number; error?: string }) {
  const errorId = `header-${index}-error`;
  return (
    <div class="header-row">
      <div>
        <label class="visually-hidden" for={`header-${index}-name`}>
          Header {index + 1} name
        </label>
        <input
          type="text"
          id={`header-${index}-name`}
          name="headerName"
          value={row.name}
          placeholder="Name, e.g. X-Api-Key"
          autocomplete="off"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? errorId : undefined}
        />
        {error ? (
          <p class="field-error" id={errorId} data-testid={errorId}>
            {error}
          </p>
        ) : null}
      </div>
      <div>
        <label class="visually-hidden" for={`header-${index}-value`}>
          Header {index + 1} value
        </label>
        <input
          type="text"
          id={`header-${index}-value`}
          name="headerValue"
          value={row.value}
          placeholder="Value"
          autocomplete="off"
          aria-invalid={error ? 'true' : undefined}
        />
      </div>
      <button type="button" class="btn btn-secondary btn-small js-only" data-action="remove-header">
        Remove
      </button>
    </div>
  );
}

/**
 * Key/value rows, as posted (so a refused form shows what was typed and row errors keep their
 * index), ending with a blank row, so a header can be added without scripts.
 */
export function HeadersEditor({
  rows,
  errors,
}: {
  rows: readonly HeaderRow[];
  errors: Pick<HookFormErrors, 'headerRows'> & { message?: string | undefined };
}) {
  const last = rows.at(-1);
  const shown = last && last.name === '' && last.value === '' ? rows : [...rows, { name: '', value: '' }];
  return (
    <div class="field" id="headers">
      <p class="label">Custom headers</p>
      <p class="hint">
        Added to every request to the endpoint, for example to provide additional context or an API key. Clear
        both fields of a row to remove it.
      </p>
      {errors.message ? (
        <p class="field-error" data-testid="headers-error">
          {errors.message}
        </p>
      ) : null}
      <div id="header-rows">
        {shown.map((row, index) => (
          <HeaderRowInputs row={row} index={index} error={errors.headerRows[index]} />
        ))}
      </div>
      <template id="header-row-template">
        <div class="header-row">
          <div>
            <input
              type="text"
              name="headerName"
              placeholder="Name"
              aria-label="Header name"
              autocomplete="off"
            />
          </div>
          <div>
            <input
              type="text"
              name="headerValue"
              placeholder="Value"
              aria-label="Header value"
              autocomplete="off"
            />
          </div>
          <button type="button" class="btn btn-secondary btn-small" data-action="remove-header">
            Remove
          </button>
        </div>
      </template>
      <button type="button" class="btn btn-secondary btn-small js-only" data-action="add-header">
        Add header
      </button>
    </div>
  );
}

/** "Page 2 of 5 · 93 webhooks" with previous and next links. */
export function Pagination({
  page,
  pageSize,
  total,
  hrefOf,
  noun,
}: {
  page: number;
  pageSize: number;
  total: number;
  hrefOf: (page: number) => string;
  noun: [string, string];
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav class="pagination" aria-label="Pagination">
      <span>
        Page {page} of {pages} · {formatCount(total)} {total === 1 ? noun[0] : noun[1]}
      </span>
      <span class="actions">
        {page > 1 ? (
          <a class="btn btn-secondary btn-small" href={hrefOf(page - 1)} rel="prev">
            Previous
          </a>
        ) : null}
        {page < pages ? (
          <a class="btn btn-secondary btn-small" href={hrefOf(page + 1)} rel="next">
            Next
          </a>
        ) : null}
      </span>
    </nav>
  );
}
