import type { Selectable } from 'kysely';
import { bit, bool, type ApplicationsTable, type Executor } from '../db.js';
import type {
  Application,
  ApplicationType,
  CustomClientMetadata,
  OidcClientMetadata,
} from '../../domain/applications.js';

export interface ApplicationRecord extends Application {
  readonly secretHash: string | null;
  readonly isAdmin: boolean;
}

const toRecord = (row: Selectable<ApplicationsTable>): ApplicationRecord => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  description: row.description,
  type: row.type as ApplicationType,
  oidcClientMetadata: JSON.parse(row.oidcClientMetadata) as OidcClientMetadata,
  customClientMetadata: JSON.parse(row.customClientMetadata) as CustomClientMetadata,
  customData: JSON.parse(row.customData) as Record<string, unknown>,
  isThirdParty: bool(row.isThirdParty),
  createdAt: row.createdAt,
  secretHash: row.secretHash,
  isAdmin: bool(row.isAdmin),
});

export interface NewApplication {
  id: string;
  name: string;
  description: string | null;
  type: ApplicationType;
  secretHash: string | null;
  oidcClientMetadata: OidcClientMetadata;
  customClientMetadata?: CustomClientMetadata;
  customData?: Record<string, unknown>;
  isThirdParty?: boolean;
  isAdmin: boolean;
  createdAt: number;
}

export type ApplicationChanges = Partial<{
  name: string;
  description: string | null;
  oidcClientMetadata: OidcClientMetadata;
  customClientMetadata: CustomClientMetadata;
  customData: Record<string, unknown>;
}>;

export interface ApplicationListQuery {
  types?: readonly ApplicationType[];
  isThirdParty?: boolean;
  /** Leave out the applications that are members of this organization. */
  excludeOrganizationId?: string;
  limit?: number;
  offset?: number;
}

/** Settings key naming the admin application generated on the first start. */
const GENERATED_ADMIN_SETTING = 'bootstrap.generated_admin_application_id';

export function createApplicationsRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('applications').where('tenantId', '=', 'default');

  const filtered = (tx: Executor, query: ApplicationListQuery) => {
    let select = base(tx);
    if (query.types?.length) select = select.where('type', 'in', query.types);
    if (query.isThirdParty !== undefined) select = select.where('isThirdParty', '=', bit(query.isThirdParty));
    const excluded = query.excludeOrganizationId;
    if (excluded) {
      select = select.where('id', 'not in', (eb) =>
        eb
          .selectFrom('organizationApplicationRelations')
          .select('applicationId')
          .where('organizationId', '=', excluded),
      );
    }
    return select;
  };

  return {
    async findApplicationById(id: string, tx: Executor = db): Promise<ApplicationRecord | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    async findApplicationsByIds(ids: readonly string[], tx: Executor = db): Promise<ApplicationRecord[]> {
      if (ids.length === 0) return [];
      const rows = await base(tx).selectAll().where('id', 'in', ids).execute();
      return rows.map(toRecord);
    },

    async findAdminApplication(tx: Executor = db): Promise<ApplicationRecord | undefined> {
      const row = await base(tx).selectAll().where('isAdmin', '=', 1).orderBy('createdAt').executeTakeFirst();
      return row && toRecord(row);
    },

    async listApplications(query: ApplicationListQuery, tx: Executor = db): Promise<ApplicationRecord[]> {
      let select = filtered(tx, query).selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc');
      if (query.limit !== undefined) select = select.limit(query.limit).offset(query.offset ?? 0);
      return (await select.execute()).map(toRecord);
    },

    async countApplications(query: ApplicationListQuery, tx: Executor = db): Promise<number> {
      const row = await filtered(tx, query)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertApplication(app: NewApplication, tx: Executor = db): Promise<ApplicationRecord> {
      const row = await tx
        .insertInto('applications')
        .values({
          id: app.id,
          name: app.name,
          description: app.description,
          type: app.type,
          secretHash: app.secretHash,
          oidcClientMetadata: JSON.stringify(app.oidcClientMetadata),
          customClientMetadata: JSON.stringify(app.customClientMetadata ?? {}),
          customData: JSON.stringify(app.customData ?? {}),
          isThirdParty: bit(app.isThirdParty ?? false),
          isAdmin: bit(app.isAdmin),
          createdAt: app.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    /** Applies the changes and returns the updated application, or undefined when it does not exist. */
    async updateApplicationById(
      id: string,
      changes: ApplicationChanges,
      tx: Executor = db,
    ): Promise<ApplicationRecord | undefined> {
      const { oidcClientMetadata, customClientMetadata, customData, ...plain } = changes;
      const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
      const row = await tx
        .updateTable('applications')
        .set({
          ...plain,
          oidcClientMetadata: json(oidcClientMetadata),
          customClientMetadata: json(customClientMetadata),
          customData: json(customData),
        })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /**
     * Inserts the generated admin application unless another process generated one first, and
     * returns the one that exists. The claim is a settings row inserted in the same transaction
     * (`ON CONFLICT DO NOTHING`): on PostgreSQL a concurrent insert of the same key waits for the
     * first transaction and then does nothing; SQLite has one writer. So processes starting
     * together create exactly one admin application.
     */
    async insertGeneratedAdminApplication(app: NewApplication): Promise<ApplicationRecord> {
      const run = async (tx: Executor) => {
        await tx
          .insertInto('settings')
          .values({ key: GENERATED_ADMIN_SETTING, value: app.id, createdAt: app.createdAt })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        const claim = await tx
          .selectFrom('settings')
          .select('value')
          .where('key', '=', GENERATED_ADMIN_SETTING)
          .executeTakeFirstOrThrow();
        if (claim.value === app.id) return this.insertApplication(app, tx);
        const winner = await this.findApplicationById(claim.value, tx);
        if (!winner) throw new Error(`The generated admin application ${claim.value} is missing.`);
        return winner;
      };
      return 'transaction' in db ? db.transaction().execute(run) : run(db);
    },

    async updateApplicationSecret(id: string, secretHash: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('applications')
        .set({ secretHash })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .execute();
    },

    /** Access tokens the application obtained before `at` stop being accepted. */
    async setTokensRevokedAt(id: string, at: number, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('applications')
        .set({ tokensRevokedAt: at })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .execute();
    },

    /** When the application's tokens were last revoked (epoch ms), or null. */
    async findTokensRevokedAt(id: string, tx: Executor = db): Promise<number | null> {
      const row = await base(tx).select('tokensRevokedAt').where('id', '=', id).executeTakeFirst();
      return row?.tokensRevokedAt == null ? null : Number(row.tokensRevokedAt);
    },

    async deleteApplicationById(id: string, tx: Executor = db): Promise<ApplicationRecord | undefined> {
      const row = await tx
        .deleteFrom('applications')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },
  };
}

export type ApplicationsRepo = ReturnType<typeof createApplicationsRepo>;
