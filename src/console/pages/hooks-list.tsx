import type { Hook } from '../../domain/hooks.js';
import { Pagination, SuccessRateTag, requestCountText } from '../components.js';
import { Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';

export const HOOKS_PAGE_SIZE = 20;

const eventsText = (hook: Hook) => (hook.events.length > 0 ? hook.events.join(' / ') : (hook.event ?? '-'));

function EmptyState() {
  return (
    <div class="card empty" data-testid="empty-state">
      <h2>Webhooks</h2>
      <p>
        Receive real-time updates through POST requests to your endpoint URL when something happens: a user
        creates an account, signs in or resets a password, or a user, role or organization changes.
      </p>
      <a class="btn btn-primary" href={consolePaths.createHook}>
        Create webhook
      </a>
    </div>
  );
}

/** The webhooks list (docs/compatibility.md#console). */
export function HooksListPage({
  frame,
  hooks,
  page,
  total,
}: {
  frame: PageFrame;
  hooks: readonly Hook[];
  page: number;
  total: number;
}) {
  return (
    <Layout title="Webhooks" frame={frame}>
      <div class="page-head">
        <div>
          <h1>Webhooks</h1>
          <p class="subtitle">
            Create webhooks to effortlessly receive real-time updates regarding specific events.
          </p>
        </div>
        {total > 0 ? (
          <a class="btn btn-primary" href={consolePaths.createHook}>
            Create webhook
          </a>
        ) : null}
      </div>
      {total === 0 ? (
        <EmptyState />
      ) : (
        <>
          <div class="table-wrap">
            <table data-testid="hooks-table" class="stack">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Events</th>
                  <th scope="col">Success rate (24h)</th>
                  <th scope="col">Requests (24h)</th>
                </tr>
              </thead>
              <tbody>
                {hooks.map((hook) => (
                  <tr data-hook-id={hook.id}>
                    <td class="name-cell" data-label="Name">
                      <a href={consolePaths.settings(hook.id)}>{hook.name || 'Unnamed'}</a>
                      <div class="hint mono">{hook.config.url}</div>
                    </td>
                    <td class="events-cell" data-label="Events">
                      {eventsText(hook)}
                    </td>
                    <td data-label="Success rate (24h)">
                      <SuccessRateTag enabled={hook.enabled} stats={hook.executionStats} />
                    </td>
                    <td class="num" data-label="Requests (24h)">
                      {requestCountText(hook.enabled, hook.executionStats)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={page}
            pageSize={HOOKS_PAGE_SIZE}
            total={total}
            hrefOf={(n) => `${consolePaths.hooks}?page=${n}`}
            noun={['webhook', 'webhooks']}
          />
        </>
      )}
    </Layout>
  );
}
