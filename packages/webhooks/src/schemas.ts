export { eventSchemas } from './generated/schemas.js';
export { eventTypes, type WebhookEventType } from './generated/events.js';
