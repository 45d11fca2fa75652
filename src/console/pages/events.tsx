import {
  eventFamilies,
  isDataEvent,
  isExceptionEvent,
  isInteractionEvent,
  unavailableEventReason,
  type EventType,
} from '../../domain/events.js';
import { Tag } from '../components.js';
import { Layout, type PageFrame } from '../layout.js';

/** What the page shows per event beside its name; `schema` stays empty until schemas are wired in. */
export interface EventDocs {
  /** The example payload, already serialised (indented JSON). */
  readonly example: string;
  /** The event's JSON Schema, serialised, when one is available. */
  readonly schema?: string | undefined;
}

const kindOf = (event: EventType) =>
  isInteractionEvent(event)
    ? 'Interaction: an end user finished a sign-in, sign-up or reset flow.'
    : isDataEvent(event)
      ? 'Data: something was created, changed or deleted.'
      : isExceptionEvent(event)
        ? 'Exception: a security limit was reached.'
        : 'idhooks: about the webhook system itself.';

const anchorOf = (event: string) => `event-${event.replace(/[^A-Za-z0-9]/g, '-')}`;

function EventEntry({ event, docs }: { event: EventType; docs: EventDocs }) {
  const reason = unavailableEventReason(event);
  return (
    <article
      class="event-entry"
      id={anchorOf(event)}
      data-event={event}
      aria-labelledby={`${anchorOf(event)}-title`}
    >
      <div class="attempt-head">
        <h3 class="mono" id={`${anchorOf(event)}-title`}>
          {event}
        </h3>
        {reason ? <Tag tone="idle">Not emitted yet</Tag> : <Tag tone="ok">Emitted</Tag>}
      </div>
      <p class="hint">{reason ?? kindOf(event)}</p>
      <details>
        <summary>Example payload</summary>
        <pre data-testid={`example-${event}`} tabindex={0}>
          {docs.example}
        </pre>
      </details>
      {docs.schema === undefined ? null : (
        <details>
          <summary>JSON Schema</summary>
          <pre data-testid={`schema-${event}`} tabindex={0}>
            {docs.schema}
          </pre>
        </details>
      )}
    </article>
  );
}

/**
 * The event catalog, family by family in the console's order, each event with the payload a test
 * send delivers for it (and its JSON Schema where the caller provides one).
 */
export function EventsPage({
  frame,
  docs,
}: {
  frame: PageFrame;
  docs: Readonly<Record<EventType, EventDocs>>;
}) {
  return (
    <Layout title="Events" frame={frame}>
      <div class="page-head">
        <div>
          <h1>Events</h1>
          <p class="subtitle">
            Every event a webhook can subscribe to. Each example is the payload a test send delivers; real
            deliveries carry the same fields with real values.
          </p>
        </div>
      </div>
      <nav class="card" aria-label="Event families">
        <ul class="list-inline">
          {eventFamilies.map((family) => (
            <li>
              <a href={`#family-${family.key}`}>{family.label}</a> ({family.events.length})
            </li>
          ))}
        </ul>
      </nav>
      {eventFamilies.map((family) => (
        <section class="card" id={`family-${family.key}`} aria-labelledby={`family-${family.key}-title`}>
          <h2 id={`family-${family.key}-title`}>{family.label}</h2>
          {family.events.map((event) => (
            <EventEntry event={event} docs={docs[event]} />
          ))}
        </section>
      ))}
    </Layout>
  );
}
