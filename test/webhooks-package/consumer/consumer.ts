// Type-checked (tsc --noEmit) in the fresh project against the installed tarball: the event union
// narrows on `event`, and a wrong field is a type error.
import {
  type WebhookEvent,
  type WebhookEventOf,
  SignatureMismatchError,
  verifyWebhook,
  WebhookVerificationError,
} from '@idhooks/webhooks';
import { webhookMiddleware as honoWebhook } from '@idhooks/webhooks/hono';
import { eventSchemas } from '@idhooks/webhooks/schemas';
import { Hono } from 'hono';

export function describeEvent(body: string, headers: Headers, key: string): string {
  let event: WebhookEvent;
  try {
    event = verifyWebhook(body, headers, key, { toleranceSeconds: 60 });
  } catch (error) {
    if (error instanceof SignatureMismatchError) return 'bad signature';
    if (error instanceof WebhookVerificationError) return error.code;
    throw error;
  }
  switch (event.event) {
    case 'User.Created':
      return `user ${event.data.id} ${event.data.primaryEmail ?? ''}`;
    case 'Organization.Membership.Updated':
      return `org ${event.organizationId} +${event.addedUserIds?.length ?? 0}`;
    case 'PostSignIn':
      return `sign-in ${event.user.username ?? event.userId} via ${event.application?.name ?? '-'}`;
    case 'Role.Created':
      // @ts-expect-error a role has no email: the payload types are real, not `any`
      return event.data.primaryEmail;
    default:
      return event.event;
  }
}

export const roleCreatedSchemaTitle: string = eventSchemas['Role.Created'].title;
export type Deleted = WebhookEventOf<'User.Deleted'>['data']['id'];

// The Hono middleware composes with Hono's own types: `c.get('webhook')` is the event union.
export const honoApp = new Hono().post('/webhooks', honoWebhook('key'), (c) => {
  const event: WebhookEvent = c.get('webhook');
  return c.text(event.event);
});
