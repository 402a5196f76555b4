// Who may read /metrics: the bearer SIMPUL_METRICS_TOKEN, or (unset) clients on this machine only.
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { forbidden, unauthorized } from '../../errors.ts';
import { isLoopback } from '../../observability/loopback.ts';
import type { Ctx } from '../env.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** SIMPUL_METRICS_TOKEN set: that bearer token, from anywhere. Unset: only clients on this machine. */
export function checkMetricsAccess(c: Ctx): void {
  const token = c.get('hub').config.metricsToken;
  if (token) {
    const sent = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    if (!sent || !timingSafeEqual(digest(sent), digest(token)))
      throw unauthorized('metrics need "Authorization: Bearer <SIMPUL_METRICS_TOKEN>"');
    return;
  }
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return; // not a network request (app.request() in-process): nothing to guard
  }
  if (!isLoopback(address))
    throw forbidden(
      `metrics are served to this machine only; set SIMPUL_METRICS_TOKEN on the hub to scrape from ${address ?? 'elsewhere'}`,
    );
}
