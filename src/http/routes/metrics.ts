import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { Metrics } from '../../shared/metrics.js';

const sameSecret = (given: string, expected: string): boolean => {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * `GET /metrics` in Prometheus' text format. Open by default, as exporters are, since it shows
 * only counts, durations and hook ids; `IDHOOKS_METRICS_TOKEN` puts it behind a bearer token
 * (Prometheus: `authorization: { credentials: … }` in the scrape config).
 */
export function metricsRoutes(metrics: Pick<Metrics, 'render' | 'contentType'>, token: string | undefined) {
  return new Hono().get('/metrics', async (c) => {
    if (token !== undefined) {
      const header = c.req.header('authorization');
      if (header === undefined) throw new AppError('auth.authorization_header_missing');
      const [scheme, credentials = ''] = header.split(' ', 2);
      if (scheme?.toLowerCase() !== 'bearer')
        throw new AppError('auth.authorization_token_type_not_supported');
      if (!sameSecret(credentials, token)) throw new AppError('auth.unauthorized');
    }
    return c.body(await metrics.render(), 200, { 'content-type': metrics.contentType });
  });
}
