/**
 * The webhook form (create and settings): reading the posted fields, checking them with the same
 * rules as the hooks API, and turning what the hooks service refuses into messages next to the
 * fields. Checking here first lets the page name every problem at once; the service still checks
 * everything again, so nothing invalid can be stored through the console.
 */
import { AppError } from '../shared/errors.js';
import { unavailableEventReason, type EventType } from '../domain/events.js';
import { hookNameSchema, hookUrlProblem } from '../domain/hooks.js';
import { HEADER_LIMITS, validateCustomHeaders } from '../domain/headers.js';
import type { FormValues } from './form-values.js';

export interface HeaderRow {
  readonly name: string;
  readonly value: string;
}

export interface HookFormValues {
  readonly name: string;
  readonly url: string;
  readonly events: readonly string[];
  /** Rows as posted (blank ones included, so the form shows what was typed). */
  readonly headers: readonly HeaderRow[];
}

export type HookField = 'name' | 'url' | 'events' | 'headers';

export interface HookFormErrors {
  readonly fields: Partial<Record<HookField, string>>;
  /** Problems of single header rows, by row index. */
  readonly headerRows: Readonly<Record<number, string>>;
  /** A problem no field owns (shown at the top). */
  readonly form?: string;
}

export interface ValidHookInput {
  readonly name: string;
  readonly url: string;
  readonly events: EventType[];
  readonly headers: Record<string, string>;
}

export const NO_ERRORS: HookFormErrors = { fields: {}, headerRows: {} };

/** Logto's console message (docs/compatibility.md#console). */
export const MISSING_EVENTS_MESSAGE = 'You have to select at least one event.';

/** More rows than the header limit allows can only come from a crafted post; stop reading there. */
const MAX_HEADER_ROWS = HEADER_LIMITS.maxCount * 2;

export function readHookForm(form: FormValues): HookFormValues {
  const names = form.getAll('headerName').slice(0, MAX_HEADER_ROWS);
  const values = form.getAll('headerValue').slice(0, MAX_HEADER_ROWS);
  const count = Math.max(names.length, values.length);
  const headers = Array.from({ length: count }, (_, i) => ({ name: names[i] ?? '', value: values[i] ?? '' }));
  return {
    name: form.get('name').trim(),
    url: form.get('url').trim(),
    events: form.getAll('events'),
    headers,
  };
}

const nameProblem = (name: string): string | undefined => {
  if (name === '') return 'Enter a name for the webhook.';
  return hookNameSchema.safeParse(name).success ? undefined : 'The name must be at most 256 characters.';
};

const urlProblem = (url: string): string | undefined => {
  if (url === '') return 'Enter the endpoint URL.';
  const problem = hookUrlProblem(url);
  return problem === undefined ? undefined : `The endpoint URL ${problem}.`;
};

const eventsProblem = (events: readonly string[]): string | undefined => {
  if (events.length === 0) return MISSING_EVENTS_MESSAGE;
  for (const event of events) {
    const reason = unavailableEventReason(event);
    if (reason !== undefined) return reason;
  }
  return undefined;
};

/** Header rows → the map the service stores, with a message per bad row (Logto's rules, docs/compatibility.md#other-differences-in-the-api). */
function checkHeaders(rows: readonly HeaderRow[]): {
  headers: Record<string, string>;
  rowErrors: Record<number, string>;
  setError?: string;
} {
  const rowErrors: Record<number, string> = {};
  const headers: Record<string, string> = {};
  const rowOfName = new Map<string, number>();
  rows.forEach((row, index) => {
    const name = row.name.trim();
    if (name === '' && row.value === '') return; // blank rows are dropped, as Logto drops them
    if (name === '') rowErrors[index] = 'Enter a header name, or clear the value.';
    else if (row.value === '') rowErrors[index] = `Enter a value for ${name}, or remove the row.`;
    else if (Object.hasOwn(headers, name)) rowErrors[index] = `${name} is already set above.`;
    else {
      headers[name] = row.value;
      rowOfName.set(name, index);
    }
  });
  const validation = validateCustomHeaders(headers);
  let setError: string | undefined;
  if (!validation.ok) {
    for (const problem of validation.problems) {
      const index = rowOfName.get(problem.name);
      if (problem.name === '' || index === undefined) setError = capitalise(problem.reason);
      else rowErrors[index] ??= `${problem.name}: ${problem.reason}.`;
    }
  }
  return { headers, rowErrors, ...(setError === undefined ? {} : { setError }) };
}

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

/**
 * Checks the form. `withHeaders` is false on the create form, which has no header rows (Logto's
 * create modal has none either).
 */
export function validateHookForm(
  values: HookFormValues,
  { withHeaders }: { withHeaders: boolean },
): { input: ValidHookInput; errors?: undefined } | { input?: undefined; errors: HookFormErrors } {
  const fields: Partial<Record<HookField, string>> = {};
  const name = nameProblem(values.name);
  if (name) fields.name = name;
  const url = urlProblem(values.url);
  if (url) fields.url = url;
  const events = eventsProblem(values.events);
  if (events) fields.events = events;
  const headers = withHeaders ? checkHeaders(values.headers) : { headers: {}, rowErrors: {} };
  if (headers.setError) fields.headers = headers.setError;
  const hasRowErrors = Object.keys(headers.rowErrors).length > 0;
  if (hasRowErrors && !fields.headers) fields.headers = 'Fix the custom headers marked below.';
  if (Object.keys(fields).length > 0) return { errors: { fields, headerRows: headers.rowErrors } };
  return {
    input: {
      name: values.name,
      url: values.url,
      events: [...new Set(values.events)] as EventType[],
      headers: headers.headers,
    },
  };
}

/** What the hooks service refused, placed next to the field it concerns when one does. */
export function errorsFromService(error: AppError): HookFormErrors {
  switch (error.code) {
    case 'hook.missing_events':
      return { fields: { events: MISSING_EVENTS_MESSAGE }, headerRows: {} };
    case 'hook.event_not_available':
      return { fields: { events: error.message }, headerRows: {} };
    case 'hook.invalid_headers':
      return { fields: { headers: error.message }, headerRows: {} };
    case 'guard.invalid_input':
      return /config\.url/.test(error.message)
        ? { fields: { url: error.message.replace(/^.*config\.url: /, 'The endpoint URL ') }, headerRows: {} }
        : { fields: {}, headerRows: {}, form: error.message };
    default:
      return { fields: {}, headerRows: {}, form: error.message };
  }
}

/** The form's values for a stored hook. */
export const valuesOfHook = (hook: {
  name: string;
  events: readonly string[];
  event: string | null;
  config: { url: string; headers?: Record<string, string> };
}): HookFormValues => ({
  name: hook.name,
  url: hook.config.url,
  events: hook.events.length > 0 ? hook.events : hook.event ? [hook.event] : [],
  headers: Object.entries(hook.config.headers ?? {}).map(([name, value]) => ({ name, value })),
});
