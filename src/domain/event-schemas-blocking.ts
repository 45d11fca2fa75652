/**
 * Payload schemas of the blocking events and the circuit events (idhooks additions, issue 15), kept
 * beside event-schemas.ts, which spreads them into EVENT_PAYLOAD_SCHEMAS.
 */
import { z } from 'zod';
import {
  applicationSummarySchema,
  hookIdSchema,
  payloadTimeSchema,
  userInfoSchema,
} from './event-payload-parts.js';
import { INTERACTION_EVENTS } from './experience.js';

const epochMs = z.number().int().describe('Epoch milliseconds');

/** Present only on the asynchronous notice of a call that failed under the open policy. */
const skipped = { decision: z.literal('skipped').optional() };

const circuitHook = { id: z.string(), name: z.string(), url: z.string(), openedAt: epochMs };

export const BLOCKING_EVENT_PAYLOAD_SCHEMAS = {
  PreRegister: z
    .strictObject({
      event: z.literal('PreRegister'),
      interactionEvent: z.enum(INTERACTION_EVENTS),
      createdAt: payloadTimeSchema,
      sessionId: z.string(),
      userAgent: z.string().optional(),
      userIp: z.string().optional(),
      application: applicationSummarySchema.optional(),
      profile: z.strictObject({
        username: z.string().nullable(),
        primaryEmail: z.string().nullable(),
        primaryPhone: z.string().nullable(),
        name: z.string().nullable(),
      }),
      ...skipped,
      hookId: hookIdSchema,
    })
    .meta({
      title: 'PreRegister',
      description:
        'Blocking: a user is about to be created. Answer allow, deny with a message, or allow with customData (an idhooks addition).',
    }),
  PreSignIn: z
    .strictObject({
      event: z.literal('PreSignIn'),
      interactionEvent: z.enum(INTERACTION_EVENTS),
      createdAt: payloadTimeSchema,
      sessionId: z.string(),
      userAgent: z.string().optional(),
      userId: z.string(),
      userIp: z.string().optional(),
      user: userInfoSchema,
      application: applicationSummarySchema.optional(),
      ...skipped,
      hookId: hookIdSchema,
    })
    .meta({
      title: 'PreSignIn',
      description:
        'Blocking: a sign-in is about to be submitted. Answer allow or deny (an idhooks addition).',
    }),
  PreTokenIssue: z
    .strictObject({
      event: z.literal('PreTokenIssue'),
      createdAt: payloadTimeSchema,
      userId: z.string(),
      user: userInfoSchema,
      application: applicationSummarySchema.optional(),
      grantType: z.string(),
      resource: z.string(),
      scopes: z.array(z.string()),
      ...skipped,
      hookId: hookIdSchema,
    })
    .meta({
      title: 'PreTokenIssue',
      description:
        'Blocking: an access token for an API resource is about to be issued. Answer allow, deny, or allow with claims (an idhooks addition).',
    }),
  'Hook.CircuitOpened': z
    .strictObject({
      event: z.literal('Hook.CircuitOpened'),
      createdAt: payloadTimeSchema,
      data: z.strictObject({ ...circuitHook, retryAt: epochMs }),
      hookId: hookIdSchema,
    })
    .meta({
      title: 'Hook.CircuitOpened',
      description:
        'A blocking hook failed 5 times in a row within 60 s; it is skipped (its failure policy applies) until retryAt (an idhooks addition).',
    }),
  'Hook.CircuitClosed': z
    .strictObject({
      event: z.literal('Hook.CircuitClosed'),
      createdAt: payloadTimeSchema,
      data: z.strictObject({ ...circuitHook, closedAt: epochMs }),
      hookId: hookIdSchema,
    })
    .meta({
      title: 'Hook.CircuitClosed',
      description: "A blocking hook's trial call succeeded; it is called again (an idhooks addition).",
    }),
};
