import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Validates webhook bodies against the JSON Schemas the `@idhooks/webhooks` package ships
 * (packages/webhooks/schemas, generated from src/domain/event-schemas.ts): what a receiver would
 * check is what the tests check.
 */
const SCHEMA_DIR = resolve(fileURLToPath(import.meta.url), '../../../packages/webhooks/schemas');

let validators: Map<string, ValidateFunction> | undefined;

function loadValidators(): Map<string, ValidateFunction> {
  // Formats are left to the schemas' patterns; ajv's format plugin is not needed for that.
  const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
  const map = new Map<string, ValidateFunction>();
  for (const file of readdirSync(SCHEMA_DIR).filter((name) => name.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as object;
    map.set(file.slice(0, -'.json'.length), ajv.compile(schema));
  }
  return map;
}

/** The event names the shipped schemas cover. */
export const schemaEvents = (): string[] => [...(validators ??= loadValidators()).keys()];

/**
 * Why `body` (a delivered webhook body) does not match its event's schema; `[]` when it does.
 */
export function eventSchemaProblems(body: string): string[] {
  validators ??= loadValidators();
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return ['the body is not JSON'];
  }
  const event = (payload as { event?: unknown } | null)?.event;
  if (typeof event !== 'string') return ['the body has no `event` name'];
  const validate = validators.get(event);
  if (!validate) return [`no JSON Schema for ${event} in packages/webhooks/schemas`];
  if (validate(payload)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `${event}: ${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
  );
}
