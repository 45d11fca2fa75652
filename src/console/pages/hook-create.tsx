import { EventPicker, ErrorSummary, Field, describedBy } from '../components.js';
import type { HookFormErrors, HookFormValues } from '../hook-form.js';
import { CsrfField, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';

export const URL_HINT =
  'idhooks sends a signed POST request here for every selected event. Use a public https:// URL in production.';

/** The name and endpoint URL fields, shared by the create and settings forms. */
export function NameAndUrlFields({ values, errors }: { values: HookFormValues; errors?: HookFormErrors }) {
  const nameError = errors?.fields.name;
  const urlError = errors?.fields.url;
  return (
    <>
      <Field id="name" label="Name" error={nameError}>
        <input
          type="text"
          id="name"
          name="name"
          value={values.name}
          placeholder="Enter webhook name"
          required
          maxlength={256}
          autocomplete="off"
          aria-invalid={nameError ? 'true' : undefined}
          aria-describedby={describedBy('name', false, nameError)}
        />
      </Field>
      <Field id="url" label="Endpoint URL" hint={URL_HINT} error={urlError}>
        <input
          type="url"
          id="url"
          name="url"
          value={values.url}
          placeholder="https://your.webhook.endpoint.url"
          required
          autocomplete="off"
          inputmode="url"
          aria-invalid={urlError ? 'true' : undefined}
          aria-describedby={describedBy('url', true, urlError)}
        />
      </Field>
    </>
  );
}

/** "Create webhook" (docs/compatibility.md#console), a page rather than a modal so it works without scripts. */
export function CreateHookPage({
  frame,
  values,
  errors,
}: {
  frame: PageFrame;
  values: HookFormValues;
  errors?: HookFormErrors;
}) {
  return (
    <Layout title="Create webhook" frame={frame}>
      <p>
        <a href={consolePaths.hooks}>← Webhooks</a>
      </p>
      <div class="card">
        <h1>Create webhook</h1>
        <p class="subtitle">
          Add the webhook to send a POST request to the endpoint URL with details of any user events.
        </p>
        <form method="post" action={consolePaths.hooks} novalidate data-testid="create-form">
          <CsrfField frame={frame} />
          <ErrorSummary errors={errors} />
          <NameAndUrlFields values={values} errors={errors} />
          <EventPicker selected={values.events} error={errors?.fields.events} />
          <div class="actions">
            <button type="submit" class="btn btn-primary">
              Create webhook
            </button>
            <a class="btn btn-secondary" href={consolePaths.hooks}>
              Cancel
            </a>
          </div>
        </form>
      </div>
    </Layout>
  );
}
