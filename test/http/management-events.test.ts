import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devOnlyEvents } from '../../src/domain/events.js';
import { MANAGEMENT_API_EVENTS } from '../../src/domain/management-api-events.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { ALL_DATA_EVENTS, createHarness, rowKey, type Harness, type Scenario } from './events/harness.js';
import { organizationRoleScenarios } from './events/scenarios-organization-roles.js';
import { organizationScenarios } from './events/scenarios-organizations.js';
import { memberRoleScenarios, userRoleScenarios } from './events/scenarios-role-changes.js';
import { roleScenarios } from './events/scenarios-roles.js';
import { userScenarios } from './events/scenarios-users.js';

/**
 * Every row of the route → event table (docs/events.md#management-api-routes-and-their-events), driven through the API with a
 * hook subscribed to every data event. Each scenario checks the committed payload field by field and
 * in key order, and that the subscribed hook got one delivery per event.
 */
const SCENARIOS: Scenario[] = [
  ...userScenarios,
  ...roleScenarios,
  ...organizationScenarios,
  ...organizationRoleScenarios,
  ...userRoleScenarios,
  ...memberRoleScenarios,
];

describe('the route → event table', () => {
  const rows = MANAGEMENT_API_EVENTS.map((row) => rowKey(row.method, row.route, row.event));

  it('has one row per (method, route, event)', () => {
    expect(new Set(rows).size).toBe(rows.length);
  });

  it("covers every data event of the catalog (Logto's and idhooks') except the dev-only TrustedDevice ones", () => {
    const emitted = new Set(MANAGEMENT_API_EVENTS.map((row) => row.event));
    const expected = ALL_DATA_EVENTS.filter((event) => !(devOnlyEvents as readonly string[]).includes(event));
    expect([...emitted].sort()).toEqual([...expected].sort());
  });

  it('is exercised row by row by the scenarios below, and nothing else is', () => {
    const covered = new Set(SCENARIOS.flatMap((scenario) => scenario.covers));
    expect(
      rows.filter((row) => !covered.has(row)),
      'rows no scenario drives',
    ).toEqual([]);
    expect(
      [...covered].filter((key) => !rows.includes(key)),
      'scenarios for rows that do not exist',
    ).toEqual([]);
  });
});

describeEachDialect('Management API events', (dialect) => {
  let env: TestEnv;
  let harness: Harness;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
    harness = createHarness(env);
  });
  afterAll(async () => env.close());

  for (const scenario of SCENARIOS) {
    it(scenario.title, async () => scenario.run(harness));
  }
});
