import type { DeliveryView } from '../../services/hook-logs.js';
import { Tag } from '../components.js';
import { statusTone, type Tone } from '../format.js';

export interface TagText {
  readonly text: string;
  readonly tone: Tone;
}

/** Logto's status column: the response status, or "Request error" when no response came. */
export function responseStatus(status: number | null, attempted: boolean): TagText {
  if (!attempted) return { text: 'Not sent yet', tone: 'idle' };
  if (status === null) return { text: 'Request error', tone: 'err' };
  return { text: String(status), tone: statusTone(status) };
}

export function ResponseStatusTag({ status, attempted }: { status: number | null; attempted: boolean }) {
  const { text, tone } = responseStatus(status, attempted);
  return <Tag tone={tone}>{text}</Tag>;
}

const STATE_TEXT: Record<DeliveryView['status'], string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  pending: 'Pending',
  sending: 'Sending',
};

/**
 * Where the delivery stands: succeeded, failed for good, waiting for a (re)try, or in flight. A
 * disabled hook's waiting deliveries are held, not scheduled: the engine does not send them until
 * the hook is reactivated, so "Retry scheduled" would promise an attempt that will not come.
 */
export function deliveryState(
  delivery: Pick<DeliveryView, 'status' | 'attemptCount'> & Partial<Pick<DeliveryView, 'waitingOn'>>,
  hookEnabled: boolean,
): TagText {
  if (delivery.status === 'pending' && !hookEnabled) return { text: 'Held (webhook disabled)', tone: 'idle' };
  // A perKey hook's delivery behind an open one of its key (docs/events.md#ordering-keys).
  if (delivery.status === 'pending' && delivery.waitingOn)
    return { text: 'Waiting on its key', tone: 'idle' };
  const tone = delivery.status === 'succeeded' ? 'ok' : delivery.status === 'failed' ? 'err' : 'info';
  const text =
    delivery.status === 'pending' && delivery.attemptCount > 0
      ? 'Retry scheduled'
      : STATE_TEXT[delivery.status];
  return { text, tone };
}

export function DeliveryStateTag({
  delivery,
  hookEnabled,
}: {
  delivery: Pick<DeliveryView, 'status' | 'attemptCount'> & Partial<Pick<DeliveryView, 'waitingOn'>>;
  hookEnabled: boolean;
}) {
  const { text, tone } = deliveryState(delivery, hookEnabled);
  return (
    <Tag tone={tone} testId="delivery-state">
      {text}
    </Tag>
  );
}
