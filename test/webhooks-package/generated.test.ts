import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_PAYLOAD_SCHEMAS, eventsWithoutSchema } from '../../src/domain/event-schemas.js';
import { eventTypes } from '../../src/domain/events.js';
import { renderEventFiles, ROOT, SCHEMA_DIR, schemaFileOf } from '../../scripts/generate-events.js';

/**
 * The package's types and JSON Schemas are generated from src/domain/event-schemas.ts and
 * committed; these tests keep them complete and in step.
 */
describe('event payload schemas', () => {
  it('exist for every event of the catalog (add one to EVENT_PAYLOAD_SCHEMAS in src/domain/event-schemas.ts)', () => {
    expect(eventsWithoutSchema()).toEqual([]);
    expect(Object.keys(EVENT_PAYLOAD_SCHEMAS).sort()).toEqual([...eventTypes].sort());
  });

  it('are shipped as one JSON Schema file per event, and no other', () => {
    const files = readdirSync(SCHEMA_DIR).sort();
    expect(files).toEqual(eventTypes.map(schemaFileOf).sort());
  });

  it('are committed as `npm run generate:events` writes them', async () => {
    const stale: string[] = [];
    for (const [path, content] of await renderEventFiles()) {
      let committed = '';
      try {
        committed = readFileSync(path, 'utf8');
      } catch {
        // missing: reported below like a stale file
      }
      if (committed !== content) stale.push(relative(ROOT, path));
    }
    expect(stale, 'stale generated files: run `npm run generate:events` and commit the result').toEqual([]);
  });
});
