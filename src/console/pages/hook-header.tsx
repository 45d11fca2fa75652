import type { Hook } from '../../domain/hooks.js';
import type { HourlyActivity } from '../../services/hook-logs.js';
import { ActivityChart } from '../chart.js';
import { SuccessRateTag } from '../components.js';
import { formatCount } from '../format.js';
import { CsrfField, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';

export type HookTab = 'settings' | 'requests';

/**
 * The top of every page of one webhook (docs/compatibility.md#console): name, success rate or "Not in use",
 * requests in 24 h, the id with a copy button, the actions, the activity chart and the tabs.
 */
export function HookHeader({
  frame,
  hook,
  activity,
  tab,
  targetWarning,
}: {
  frame: PageFrame;
  hook: Hook;
  activity: readonly HourlyActivity[];
  tab: HookTab;
  /** Why the delivery guard would refuse this hook's URL, when it would. */
  targetWarning?: string | undefined;
}) {
  const stats = hook.executionStats;
  return (
    <>
      <p>
        <a href={consolePaths.hooks}>← Webhooks</a>
      </p>
      {targetWarning ? (
        // Saved, but every delivery would fail: say so on every page of the hook, not only in its log.
        <div class="alert" role="alert" data-testid="target-warning">
          Deliveries to this endpoint will fail: {targetWarning} Restart idhooks with that setting, or use a
          public URL.
        </div>
      ) : null}
      <div class="card">
        <div class="hook-head">
          <div>
            <h1 data-testid="hook-name">{hook.name || 'Unnamed'}</h1>
            <div class="hook-meta">
              {/* Like Logto's header: a rate only once there were requests, "Not in use" when disabled. */}
              {!hook.enabled || (stats?.requestCount ?? 0) > 0 ? (
                <span data-testid="hook-state">
                  <SuccessRateTag enabled={hook.enabled} stats={stats} />
                </span>
              ) : null}
              {hook.enabled ? (
                <span data-testid="request-count">
                  {formatCount(stats?.requestCount ?? 0)}{' '}
                  {(stats?.requestCount ?? 0) === 1 ? 'request' : 'requests'} in 24h
                </span>
              ) : null}
              <span>
                ID{' '}
                <code id="hook-id" data-testid="hook-id">
                  {hook.id}
                </code>{' '}
                <button
                  type="button"
                  class="btn btn-secondary btn-small js-only"
                  data-action="copy"
                  data-target="hook-id"
                  data-status="hook-id-status"
                >
                  Copy
                </button>
                <span id="hook-id-status" class="visually-hidden" role="status"></span>
              </span>
            </div>
            <p class="hint mono">{hook.config.url}</p>
          </div>
          <div class="actions">
            {hook.enabled ? (
              <a class="btn btn-secondary" href={`${consolePaths.hook(hook.id)}/disable`}>
                Disable webhook
              </a>
            ) : (
              <form method="post" action={`${consolePaths.hook(hook.id)}/reactivate`} class="inline">
                <CsrfField frame={frame} />
                <button type="submit" class="btn btn-primary">
                  Reactivate webhook
                </button>
              </form>
            )}
            <a class="btn btn-danger" href={`${consolePaths.hook(hook.id)}/delete`}>
              Delete webhook
            </a>
          </div>
        </div>
        <div class="chart-card">
          <h2 class="visually-hidden">Activity</h2>
          <div class="legend" aria-hidden="true">
            <span>Requests per hour, last 24 h (UTC)</span>
            <span>
              <span class="swatch swatch-ok"></span>Succeeded
            </span>
            <span>
              <span class="swatch swatch-err"></span>Failed
            </span>
          </div>
          <ActivityChart buckets={activity} />
        </div>
      </div>
      <nav class="tabs" aria-label="Webhook sections">
        <a href={consolePaths.settings(hook.id)} aria-current={tab === 'settings' ? 'page' : undefined}>
          Settings
        </a>
        <a href={consolePaths.requests(hook.id)} aria-current={tab === 'requests' ? 'page' : undefined}>
          Recent requests
        </a>
      </nav>
    </>
  );
}
