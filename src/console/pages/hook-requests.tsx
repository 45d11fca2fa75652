import { eventFamilies } from '../../domain/events.js';
import { DELIVERY_STATUSES } from '../../domain/delivery.js';
import type { Hook } from '../../domain/hooks.js';
import type { DeliveryView, HourlyActivity } from '../../services/hook-logs.js';
import { Field, Pagination, describedBy } from '../components.js';
import { formatTime } from '../format.js';
import { CsrfField, Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';
import { DeliveryStateTag, ResponseStatusTag } from './delivery-tags.js';
import { HookHeader } from './hook-header.js';

export const REQUESTS_PAGE_SIZE = 20;

/** The periods the list can cover; the default is Logto's 24 hours. */
export const PERIODS = {
  '24h': { label: 'Last 24 hours', ms: 24 * 3_600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
  all: { label: 'Everything kept', ms: undefined },
} as const;
export type Period = keyof typeof PERIODS;

export interface RequestFilters {
  readonly event: string;
  readonly status: string;
  readonly period: Period;
}

export interface RecoverForm {
  readonly since: string;
  readonly until: string;
  readonly errors?: { since?: string; until?: string; form?: string };
}

function Filters({ hook, filters, error }: { hook: Hook; filters: RequestFilters; error?: string }) {
  return (
    <form method="get" action={consolePaths.requests(hook.id)} class="filters" data-testid="filters">
      <div class="field">
        <label for="filter-event">Filter by event</label>
        <select id="filter-event" name="event">
          <option value="">All events</option>
          {eventFamilies.map((family) => (
            <optgroup label={family.label}>
              {family.events.map((event) => (
                <option value={event} selected={filters.event === event}>
                  {event}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          <option value="">Any status</option>
          {DELIVERY_STATUSES.map((status) => (
            <option value={status} selected={filters.status === status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-period">Period</label>
        <select id="filter-period" name="period">
          {(Object.keys(PERIODS) as Period[]).map((period) => (
            <option value={period} selected={filters.period === period}>
              {PERIODS[period].label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="btn btn-secondary">
        Apply
      </button>
      {error ? (
        <p class="alert" role="alert" data-testid="error">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** Deliveries still waiting or in flight: the live script polls while any row shows one. */
export const isOpenDelivery = (delivery: Pick<DeliveryView, 'status'>) =>
  delivery.status === 'pending' || delivery.status === 'sending';

function DeliveriesTable({ hook, deliveries }: { hook: Hook; deliveries: readonly DeliveryView[] }) {
  if (deliveries.length === 0) {
    return (
      <div class="card empty" data-testid="no-requests">
        <h2>No requests</h2>
        <p>Nothing was delivered to this webhook in this period with these filters.</p>
      </div>
    );
  }
  return (
    <div class="table-wrap">
      <table
        data-testid="requests-table"
        class="stack"
        data-live-status={consolePaths.deliveryStatus(hook.id)}
      >
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Event</th>
            <th scope="col">Delivery</th>
            <th scope="col">Attempts</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => (
            <tr data-delivery-id={delivery.id} data-open={isOpenDelivery(delivery) ? 'true' : undefined}>
              <td data-label="Status" data-field="response">
                <ResponseStatusTag
                  status={delivery.lastResponseStatus}
                  attempted={delivery.attemptCount > 0}
                />
              </td>
              <td class="name-cell" data-label="Event">
                <a href={consolePaths.delivery(hook.id, delivery.id)} class="mono">
                  {delivery.event}
                </a>
              </td>
              <td data-label="Delivery" data-field="state">
                <DeliveryStateTag delivery={delivery} hookEnabled={hook.enabled} />
              </td>
              <td class="num" data-label="Attempts" data-field="attempts">
                {delivery.attemptCount}
              </td>
              <td data-label="Time">{formatTime(delivery.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="live-status js-only" id="live-status" aria-live="polite" />
    </div>
  );
}

function RecoverCard({ hook, frame, recover }: { hook: Hook; frame: PageFrame; recover: RecoverForm }) {
  const errors = recover.errors ?? {};
  return (
    <section class="card section-gap" aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed deliveries</h2>
      <p class="subtitle">
        Sends every delivery that failed for good in this time range again, for example after your endpoint
        was down. Times are UTC.
      </p>
      {!hook.enabled ? (
        <p class="hint">Reactivate the webhook first: a disabled webhook sends nothing.</p>
      ) : null}
      {errors.form ? (
        <p class="alert" role="alert" data-testid="recover-error">
          {errors.form}
        </p>
      ) : null}
      <form method="post" action={`${consolePaths.hook(hook.id)}/recover`} novalidate>
        <CsrfField frame={frame} />
        <div class="grid-2">
          <Field id="since" label="From (UTC)" error={errors.since}>
            <input
              type="datetime-local"
              id="since"
              name="since"
              value={recover.since}
              required
              aria-invalid={errors.since ? 'true' : undefined}
              aria-describedby={describedBy('since', false, errors.since)}
            />
          </Field>
          <Field id="until" label="Until (UTC)" error={errors.until}>
            <input
              type="datetime-local"
              id="until"
              name="until"
              value={recover.until}
              required
              aria-invalid={errors.until ? 'true' : undefined}
              aria-describedby={describedBy('until', false, errors.until)}
            />
          </Field>
        </div>
        <button type="submit" class="btn btn-secondary">
          Recover failed deliveries
        </button>
      </form>
    </section>
  );
}

/** Recent requests (docs/compatibility.md#console), one row per delivery, each opening its attempts. */
export function HookRequestsPage(props: {
  frame: PageFrame;
  hook: Hook;
  activity: readonly HourlyActivity[];
  filters: RequestFilters;
  filterError?: string | undefined;
  deliveries: readonly DeliveryView[];
  page: number;
  total: number;
  recover: RecoverForm;
  targetWarning?: string | undefined;
}) {
  const { frame, hook, filters } = props;
  const hrefOf = (page: number) => {
    const query = new URLSearchParams({ ...filters, page: String(page) });
    return `${consolePaths.requests(hook.id)}?${query.toString()}`;
  };
  return (
    <Layout title={`${hook.name || 'Unnamed'} · Recent requests`} frame={frame}>
      <HookHeader
        frame={frame}
        hook={hook}
        activity={props.activity}
        tab="requests"
        targetWarning={props.targetWarning}
      />
      <Filters hook={hook} filters={filters} error={props.filterError} />
      <DeliveriesTable hook={hook} deliveries={props.deliveries} />
      {props.total > 0 ? (
        <Pagination
          page={props.page}
          pageSize={REQUESTS_PAGE_SIZE}
          total={props.total}
          hrefOf={hrefOf}
          noun={['delivery', 'deliveries']}
        />
      ) : null}
      <RecoverCard hook={hook} frame={frame} recover={props.recover} />
    </Layout>
  );
}
