import type { Hook } from '../../domain/hooks.js';
import type { HourlyActivity } from '../../services/hook-logs.js';
import type { TestSendOutcome } from '../../services/hooks.js';
import { ErrorSummary, EventPicker, HeadersEditor, Tag } from '../components.js';
import { formatDuration, formatTime, statusTone } from '../format.js';
import type { HookFormErrors, HookFormValues } from '../hook-form.js';
import { CsrfField, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';
import { HookHeader } from './hook-header.js';
import { NameAndUrlFields } from './hook-create.js';

/** What a "Send test payload" produced, shown in the Test card. */
export interface TestResult {
  readonly url: string;
  readonly sentAt: number;
  readonly outcomes: readonly TestSendOutcome[];
}

function SigningKey({ hook }: { hook: Hook }) {
  return (
    <div class="field">
      <label for="signing-key">Signing key</label>
      <div class="key-row">
        {/* No name: the key is shown, never posted back with the form. */}
        <input
          type="password"
          id="signing-key"
          value={hook.signingKey}
          readonly
          aria-describedby="signing-key-hint"
        />
        <button
          type="button"
          class="btn btn-secondary btn-small js-only"
          data-action="reveal"
          data-target="signing-key"
          aria-pressed="false"
        >
          Show
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small js-only"
          data-action="copy"
          data-target="signing-key"
          data-status="signing-key-status"
        >
          Copy
        </button>
        <a class="btn btn-secondary btn-small" href={`${consolePaths.hook(hook.id)}/signing-key/regenerate`}>
          Regenerate
        </a>
      </div>
      <span id="signing-key-status" class="hint" role="status"></span>
      <noscript>
        <details>
          <summary>Show signing key</summary>
          <code data-testid="signing-key-plain">{hook.signingKey}</code>
        </details>
      </noscript>
      <p class="hint" id="signing-key-hint">
        Verify the <code>logto-signature-sha-256</code> header (hex HMAC-SHA256 of the raw body) with this
        key, or the Standard Webhooks <code>webhook-signature</code> header with <code>whsec_</code> + base64
        of it.
      </p>
    </div>
  );
}

function TestOutcomeRow({ outcome }: { outcome: TestSendOutcome }) {
  return (
    <tr>
      <td class="mono">{outcome.event}</td>
      <td>
        {outcome.status === undefined ? (
          <Tag tone="err">Request error</Tag>
        ) : (
          <Tag tone={statusTone(outcome.status)}>{outcome.status}</Tag>
        )}
      </td>
      <td class="num">{formatDuration(outcome.durationMs)}</td>
      <td>
        {outcome.error ? <p class="field-error">{outcome.error}</p> : null}
        {outcome.responseBody ? (
          <pre data-testid="test-response-body" tabindex={0}>
            {outcome.responseBody}
          </pre>
        ) : null}
        {!outcome.error && !outcome.responseBody ? <span class="hint">(empty body)</span> : null}
      </td>
    </tr>
  );
}

function TestResultView({ result }: { result: TestResult }) {
  const failed = result.outcomes.filter((outcome) => !outcome.isSuccess).length;
  return (
    <div data-testid="test-result" class="section-gap">
      <p class={failed === 0 ? 'notice' : 'alert'} role="status">
        {failed === 0
          ? `The endpoint accepted every test payload (${result.outcomes.length}).`
          : `${failed} of ${result.outcomes.length} test payloads failed.`}
      </p>
      <dl class="facts">
        <dt>Endpoint URL</dt>
        <dd class="mono">{result.url}</dd>
        <dt>Request time</dt>
        <dd>{formatTime(result.sentAt)}</dd>
      </dl>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Response status</th>
              <th scope="col">Time</th>
              <th scope="col">Response body</th>
            </tr>
          </thead>
          <tbody>
            {result.outcomes.map((outcome) => (
              <TestOutcomeRow outcome={outcome} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The settings tab (docs/compatibility.md#console): the webhook form, signing key, custom headers and the test send. */
export function HookSettingsPage({
  frame,
  hook,
  activity,
  values,
  errors,
  testResult,
  targetWarning,
}: {
  frame: PageFrame;
  hook: Hook;
  activity: readonly HourlyActivity[];
  values: HookFormValues;
  errors?: HookFormErrors | undefined;
  testResult?: TestResult | undefined;
  targetWarning?: string | undefined;
}) {
  return (
    <Layout title={`${hook.name || 'Unnamed'} · Settings`} frame={frame}>
      <HookHeader
        frame={frame}
        hook={hook}
        activity={activity}
        tab="settings"
        targetWarning={targetWarning}
      />
      <form method="post" action={consolePaths.settings(hook.id)} novalidate data-testid="settings-form">
        <CsrfField frame={frame} />
        <section class="card" aria-labelledby="settings-title">
          <h2 id="settings-title">Settings</h2>
          <p class="subtitle">
            The endpoint receives real-time POST updates for the selected events, signed with the signing key.
          </p>
          <ErrorSummary errors={errors} />
          <NameAndUrlFields values={values} errors={errors} />
          <EventPicker selected={values.events} error={errors?.fields.events} />
          <SigningKey hook={hook} />
          <HeadersEditor
            rows={values.headers}
            errors={{ headerRows: errors?.headerRows ?? {}, message: errors?.fields.headers }}
          />
          <div class="actions">
            <button type="submit" class="btn btn-primary">
              Save changes
            </button>
            <a class="btn btn-secondary" href={consolePaths.settings(hook.id)}>
              Discard changes
            </a>
          </div>
        </section>
        <section class="card" aria-labelledby="test-title">
          <h2 id="test-title">Test your webhook</h2>
          <p class="subtitle">
            Sends an example payload for each selected event to the endpoint URL, using the values in the form
            above (saved or not) and the current signing key. Test requests are not recorded.
          </p>
          <button
            type="submit"
            class="btn btn-secondary"
            formaction={`${consolePaths.hook(hook.id)}/test#test-title`}
          >
            Send test payload
          </button>
          {testResult ? <TestResultView result={testResult} /> : null}
        </section>
      </form>
    </Layout>
  );
}
