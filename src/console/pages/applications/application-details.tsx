import { CONFIDENTIAL_APPLICATION_TYPES } from '../../../domain/applications.js';
import type { ApplicationDetails } from '../../../services/applications.js';
import { formatTime } from '../../format.js';
import { Section } from '../../forms.js';
import { Layout, type PageFrame } from '../../layout.js';
import { consolePaths } from '../../paths.js';
import { TypeTag } from './applications.js';

/**
 * The secret, on the one response that carries it (creation or rotation). It is not stored in
 * clear, so this page cannot be shown again: the text says so.
 */
function SecretOnce({ secret }: { secret: string }) {
  return (
    <section class="card" aria-labelledby="secret-title" data-testid="secret-once">
      <h2 id="secret-title">Client secret</h2>
      <p class="alert" role="alert">
        Copy the secret now: it is shown only this once. idhooks keeps only a hash of it.
      </p>
      <div class="key-row">
        <label class="visually-hidden" for="client-secret">
          Client secret
        </label>
        <input type="text" id="client-secret" value={secret} readonly data-testid="client-secret" />
        <button
          type="button"
          class="btn btn-secondary btn-small js-only"
          data-action="copy"
          data-target="client-secret"
          data-status="client-secret-status"
        >
          Copy
        </button>
      </div>
      <span id="client-secret-status" class="hint" role="status"></span>
    </section>
  );
}

function UriList({ uris, testId }: { uris: readonly string[]; testId: string }) {
  if (uris.length === 0) return <p class="hint">None.</p>;
  return (
    <ul class="list-inline mono" data-testid={testId}>
      {uris.map((uri) => (
        <li>{uri}</li>
      ))}
    </ul>
  );
}

/** One application: its type, ids, redirect URIs; rotate secret and delete. */
export function ApplicationDetailsPage({
  frame,
  application,
  secret,
}: {
  frame: PageFrame;
  application: ApplicationDetails;
  /** The new secret, on the response to creation or rotation only. */
  secret?: string | undefined;
}) {
  const hasSecret = CONFIDENTIAL_APPLICATION_TYPES.includes(application.type);
  const path = consolePaths.application(application.id);
  return (
    <Layout title={application.name} frame={frame}>
      <p>
        <a href={consolePaths.applications}>← Applications</a>
      </p>
      {secret ? <SecretOnce secret={secret} /> : null}
      <div class="card">
        <div class="hook-head">
          <div>
            <h1>{application.name}</h1>
            <div class="hook-meta">
              <TypeTag type={application.type} />
              {application.isAdmin ? <span class="hint">The admin application</span> : null}
            </div>
          </div>
          {application.isAdmin ? null : (
            <div class="actions">
              {hasSecret ? (
                <a class="btn btn-secondary" href={`${path}/secret/rotate`}>
                  Rotate secret
                </a>
              ) : null}
              <a class="btn btn-danger" href={`${path}/delete`}>
                Delete application
              </a>
            </div>
          )}
        </div>
        {application.isAdmin ? (
          <p class="hint">
            The console and the Management API are reached with this application; its secret is set by
            IDHOOKS_ADMIN_CLIENT_SECRET, and it cannot be deleted.
          </p>
        ) : null}
        <dl class="facts section-gap">
          <dt>App ID</dt>
          <dd class="mono" data-testid="application-id">
            {application.id}
          </dd>
          <dt>Description</dt>
          <dd>{application.description || '-'}</dd>
          <dt>Secret</dt>
          <dd>{hasSecret ? 'Set (shown only when created or rotated)' : 'None (public client)'}</dd>
          <dt>Created</dt>
          <dd>{formatTime(application.createdAt)}</dd>
        </dl>
      </div>
      <div class="grid-2">
        <Section title="Redirect URIs" id="redirect-title">
          <UriList uris={application.oidcClientMetadata.redirectUris} testId="redirect-uris" />
        </Section>
        <Section title="Post sign-out redirect URIs" id="logout-title">
          <UriList uris={application.oidcClientMetadata.postLogoutRedirectUris} testId="logout-uris" />
        </Section>
      </div>
    </Layout>
  );
}
