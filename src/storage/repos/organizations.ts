import type { Selectable } from 'kysely';
import { bit, bool, type Executor, type OrganizationsTable } from '../db.js';
import type { Organization, OrganizationBranding, OrganizationColor } from '../../domain/organizations.js';
import { containsText, withWindow, type Window } from './query-helpers.js';

/** Key order is Logto's: webhook payloads serialise these objects as they are. */
const toOrganization = (row: Selectable<OrganizationsTable>): Organization => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  description: row.description,
  customData: JSON.parse(row.customData) as Record<string, unknown>,
  isMfaRequired: bool(row.isMfaRequired),
  color: JSON.parse(row.color) as OrganizationColor,
  branding: JSON.parse(row.branding) as OrganizationBranding,
  customCss: row.customCss,
  createdAt: row.createdAt,
});

export type NewOrganization = Omit<Organization, 'tenantId'>;

export type OrganizationChanges = Partial<{
  name: string;
  description: string | null;
  customData: Record<string, unknown>;
  isMfaRequired: boolean;
  color: OrganizationColor;
  branding: OrganizationBranding;
  customCss: string | null;
}>;

const serialise = (changes: OrganizationChanges) => {
  const { customData, isMfaRequired, color, branding, ...plain } = changes;
  const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
  return {
    ...plain,
    customData: json(customData),
    color: json(color),
    branding: json(branding),
    isMfaRequired: isMfaRequired === undefined ? undefined : bit(isMfaRequired),
  };
};

/** Organizations themselves; their members live in the organization-members repo. */
export function createOrganizationsRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('organizations').where('tenantId', '=', 'default');

  /** `q` matches a part of the id or the name, case-insensitively, as Logto's does. */
  const searched = (tx: Executor, q: string | undefined) =>
    q
      ? base(tx).where((eb) => eb.or([containsText(eb.ref('id'), q), containsText(eb.ref('name'), q)]))
      : base(tx);

  return {
    async findOrganizationById(id: string, tx: Executor = db): Promise<Organization | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toOrganization(row);
    },

    async listOrganizations(q: string | undefined, window: Window | undefined, tx: Executor = db) {
      const query = searched(tx, q).selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc');
      return (await withWindow(query, window).execute()).map(toOrganization);
    },

    async countOrganizations(q: string | undefined, tx: Executor = db): Promise<number> {
      const row = await searched(tx, q)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertOrganization(organization: NewOrganization, tx: Executor = db): Promise<Organization> {
      const { customData, color, branding, isMfaRequired, ...plain } = organization;
      const row = await tx
        .insertInto('organizations')
        .values({
          ...plain,
          customData: JSON.stringify(customData),
          color: JSON.stringify(color),
          branding: JSON.stringify(branding),
          isMfaRequired: bit(isMfaRequired),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toOrganization(row);
    },

    async updateOrganizationById(id: string, changes: OrganizationChanges, tx: Executor = db) {
      const row = await tx
        .updateTable('organizations')
        .set(serialise(changes))
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toOrganization(row);
    },

    async deleteOrganizationById(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('organizations')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type OrganizationsRepo = ReturnType<typeof createOrganizationsRepo>;
