/**
 * The delivery queue's repo, assembled from one module per part of the engine's work: claiming
 * and leases (deliveries-claims), recording results (deliveries-results), hook health
 * (deliveries-health), queries and operator actions (deliveries-queue), and retention.
 */
import type { Db } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import { createDeliveryClaims } from './deliveries-claims.js';
import { createDeliveryQueue } from './deliveries-queue.js';
import { createDeliveryResults } from './deliveries-results.js';
import { createDeliveryRetention } from './delivery-retention.js';

export type { AttemptRecord, ClaimedDelivery, ClaimOptions } from './deliveries-types.js';

export function createDeliveriesRepo(db: Db, capabilities: Capabilities) {
  return {
    ...createDeliveryClaims(db, capabilities),
    ...createDeliveryResults(db, capabilities),
    ...createDeliveryQueue(db, capabilities),
    ...createDeliveryRetention(db, capabilities),
  };
}

export type DeliveriesRepo = ReturnType<typeof createDeliveriesRepo>;
