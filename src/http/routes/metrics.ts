import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import { secretsMatch } from '../../shared/ids.js';
import type { Metrics } from '../../shared/metrics.js';
import { bearerToken } from '../middleware/auth.js';

/**
 * `GET /metrics` in Prometheus' text format. Open by default, as exporters are, since it shows
 * only counts, durations and hook ids; `IDHOOKS_METRICS_TOKEN` puts it behind a bearer token
 * (Prometheus: `authorization: { credentials: … }` in the scrape config).
 */
export function metricsRoutes(metrics: Pick<Metrics, 'render' | 'contentType'>, token: string | undefined) {
  return new Hono().get('/metrics', async (c) => {
    if (token !== undefined && !secretsMatch(bearerToken(c.req.header('authorization')), token)) {
      throw new AppError('auth.unauthorized');
    }
    return c.body(await metrics.render(), 200, { 'content-type': metrics.contentType });
  });
}
