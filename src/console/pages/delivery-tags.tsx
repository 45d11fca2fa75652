import type { DeliveryView } from '../../services/hook-logs.js';
import { Tag } from '../components.js';
import { statusTone } from '../format.js';

/** Logto's status column: the response status, or "Request error" when no response came. */
export function ResponseStatusTag({ status, attempted }: { status: number | null; attempted: boolean }) {
  if (!attempted) return <Tag tone="idle">Not sent yet</Tag>;
  if (status === null) return <Tag tone="err">Request error</Tag>;
  return <Tag tone={statusTone(status)}>{status}</Tag>;
}

const STATE_TEXT: Record<DeliveryView['status'], string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  pending: 'Pending',
  sending: 'Sending',
};

/** Where the delivery stands: succeeded, failed for good, waiting for a (re)try, or in flight. */
export function DeliveryStateTag({ delivery }: { delivery: Pick<DeliveryView, 'status' | 'attemptCount'> }) {
  const tone = delivery.status === 'succeeded' ? 'ok' : delivery.status === 'failed' ? 'err' : 'info';
  const text =
    delivery.status === 'pending' && delivery.attemptCount > 0
      ? 'Retry scheduled'
      : STATE_TEXT[delivery.status];
  return (
    <Tag tone={tone} testId="delivery-state">
      {text}
    </Tag>
  );
}
