import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { isEventType, type EventType } from '../../domain/events.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../domain/delivery.js';
import type { DeliveryView, HookLogsService } from '../../services/hook-logs.js';
import type { HooksService } from '../../services/hooks.js';
import { frameOf, type ConsoleContext, type ConsoleEnv } from '../context.js';
import { readForm } from '../form-values.js';
import { parseDateTimeInput, toDateTimeInput } from '../format.js';
import { consolePaths } from '../paths.js';
import { DeliveryPage } from '../pages/delivery.js';
import { deliveryState, responseStatus } from '../pages/delivery-tags.js';
import {
  HookRequestsPage,
  isOpenDelivery,
  PERIODS,
  REQUESTS_PAGE_SIZE,
  type Period,
  type RecoverForm,
  type RequestFilters,
} from '../pages/hook-requests.js';
import { parsePage } from '../query.js';

/**
 * Resend and recover (docs/compatibility.md#additions point 6), provided by the delivery-replay service. The
 * console depends on this shape only, so its pages do not care how replay is implemented.
 */
export interface DeliveryReplay {
  resend(hookId: string, deliveryId: string): Promise<DeliveryView>;
  recover(hookId: string, range: { since: number; until: number }): Promise<{ recovered: number }>;
}

export interface DeliveriesRoutesDeps {
  readonly hooks: HooksService;
  readonly hookLogs: HookLogsService;
  readonly clock: Clock;
  readonly replay: DeliveryReplay;
}

const DAY_MS = 24 * 3_600_000;
/** One page of the list at most; the delivery page asks for one. */
const MAX_STATUS_IDS = REQUESTS_PAGE_SIZE;

/** The "recovered" notice's count, digits only, so the message never carries other text. */
const countParam = (value: string | undefined) => (value && /^\d{1,9}$/.test(value) ? value : '0');

/** Reads the list's filters; a value no select offers is a message, not a silent "all". */
function readFilters(c: ConsoleContext): { filters: RequestFilters; error?: string } {
  const event = c.req.query('event') ?? '';
  const status = c.req.query('status') ?? '';
  const period = c.req.query('period') || '24h';
  const filters: RequestFilters = {
    event: isEventType(event) ? event : '',
    status: (DELIVERY_STATUSES as readonly string[]).includes(status) ? status : '',
    period: period in PERIODS ? (period as Period) : '24h',
  };
  if (event !== '' && !isEventType(event)) return { filters, error: `${event} is not a webhook event.` };
  if (status !== '' && filters.status === '') {
    return { filters, error: `Status must be one of ${DELIVERY_STATUSES.join(', ')}.` };
  }
  if (!(period in PERIODS)) return { filters, error: 'Choose one of the listed periods.' };
  return { filters };
}

/** Recent requests, one delivery's attempts, resend and recover (docs/compatibility.md#console and beyond). */
export function deliveriesRoutes({ hooks, hookLogs, clock, replay }: DeliveriesRoutesDeps) {
  const app = new Hono<ConsoleEnv>();

  const defaultRecover = (): RecoverForm => {
    const now = clock.now();
    return { since: toDateTimeInput(now - DAY_MS), until: toDateTimeInput(now + 60_000) };
  };

  const renderRequests = async (
    c: ConsoleContext,
    recover: RecoverForm = defaultRecover(),
    status: 200 | 400 | 409 | 422 = 200,
  ) => {
    const id = c.req.param('id') ?? '';
    const [hook, activity] = await Promise.all([
      hooks.getHook(id, { includeExecutionStats: true }),
      hookLogs.hourlyActivity(id),
    ]);
    const { filters, error } = readFilters(c);
    const page = error ? 1 : parsePage(c.req.query('page'));
    const window = PERIODS[filters.period].ms;
    const { items, total } = error
      ? { items: [], total: 0 }
      : await hookLogs.listDeliveries(hook.id, {
          page,
          pageSize: REQUESTS_PAGE_SIZE,
          event: (filters.event || undefined) as EventType | undefined,
          status: (filters.status || undefined) as DeliveryStatus | undefined,
          from: window === undefined ? undefined : clock.now() - window,
          includeAttempts: false,
        });
    return c.html(
      <HookRequestsPage
        frame={frameOf(c, { count: countParam(c.req.query('count')) })}
        hook={hook}
        activity={activity}
        filters={filters}
        filterError={error}
        deliveries={items}
        page={page}
        total={total}
        recover={recover}
        targetWarning={await hooks.targetWarning(hook.config.url)}
      />,
      error ? 400 : status,
    );
  };

  app.get('/webhooks/:id/recent-requests', (c) => renderRequests(c));

  /**
   * The live script's view of the deliveries on screen: their state and the tags' text, rendered by
   * the same functions as the page, so the two never disagree. Ids the hook does not own are left
   * out rather than refused, as a delivery can expire between the page and the poll.
   */
  app.get('/webhooks/:id/delivery-status', async (c) => {
    const hook = await hooks.getHook(c.req.param('id'), { includeExecutionStats: false });
    const ids = (c.req.query('ids') ?? '').split(',').filter((id) => /^[\w-]{1,64}$/.test(id));
    if (ids.length > MAX_STATUS_IDS) {
      throw new AppError('guard.invalid_input', {
        message: `Ask for at most ${MAX_STATUS_IDS} deliveries at once.`,
      });
    }
    const found = await Promise.all(
      [...new Set(ids)].map((id) => hookLogs.getDelivery(hook.id, id).catch(() => undefined)),
    );
    const deliveries = found
      .filter((delivery) => delivery !== undefined)
      .map((delivery) => ({
        id: delivery.id,
        status: delivery.status,
        attemptCount: delivery.attemptCount,
        isOpen: isOpenDelivery(delivery),
        state: deliveryState(delivery, hook.enabled),
        response: responseStatus(delivery.lastResponseStatus, delivery.attemptCount > 0),
      }));
    return c.json({ hookEnabled: hook.enabled, deliveries });
  });

  const renderDelivery = async (c: ConsoleContext, error?: AppError) => {
    const { id, deliveryId } = c.req.param() as { id: string; deliveryId: string };
    const hook = await hooks.getHook(id, { includeExecutionStats: false });
    const delivery = await hookLogs.getDelivery(hook.id, deliveryId);
    return c.html(
      <DeliveryPage frame={frameOf(c)} hook={hook} delivery={delivery} error={error?.message} />,
      error ? 409 : 200,
    );
  };

  app.get('/webhooks/:id/recent-requests/:deliveryId', (c) => renderDelivery(c));

  app.post('/webhooks/:id/recent-requests/:deliveryId/resend', async (c) => {
    const { id, deliveryId } = c.req.param();
    try {
      await replay.resend(id, deliveryId);
    } catch (error) {
      // A disabled hook or an attempt in flight: say so on the delivery's page.
      if (error instanceof AppError && error.status === 409) return renderDelivery(c, error);
      throw error;
    }
    return c.redirect(`${consolePaths.delivery(id, deliveryId)}?notice=resent`, 303);
  });

  app.post('/webhooks/:id/recover', async (c) => {
    const id = c.req.param('id');
    const form = await readForm(c);
    const values = { since: form.get('since').trim(), until: form.get('until').trim() };
    const since = parseDateTimeInput(values.since);
    const until = parseDateTimeInput(values.until);
    const errors: NonNullable<RecoverForm['errors']> = {};
    if (since === undefined) errors.since = 'Enter the start of the range as a date and time (UTC).';
    if (until === undefined) errors.until = 'Enter the end of the range as a date and time (UTC).';
    if (since !== undefined && until !== undefined && since > until) {
      errors.until = 'The end of the range must not be before its start.';
    }
    if (Object.keys(errors).length > 0 || since === undefined || until === undefined) {
      return renderRequests(c, { ...values, errors }, 400);
    }
    try {
      const { recovered } = await replay.recover(id, { since, until });
      return c.redirect(`${consolePaths.requests(id)}?notice=recovered&count=${recovered}`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      const status = error.status === 409 || error.status === 422 ? error.status : 400;
      return renderRequests(c, { ...values, errors: { form: error.message } }, status);
    }
  });

  return app;
}
