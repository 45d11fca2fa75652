import type { Selectable } from 'kysely';
import { bit, bool, type ApplicationsTable, type Executor } from '../db.js';
import type { Application, ApplicationType } from '../../domain/applications.js';

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
  oidcClientMetadata: JSON.parse(row.oidcClientMetadata) as Application['oidcClientMetadata'],
  customClientMetadata: JSON.parse(row.customClientMetadata) as Record<string, unknown>,
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
  oidcClientMetadata: Application['oidcClientMetadata'];
  isAdmin: boolean;
  createdAt: number;
}

export function createApplicationsRepo(db: Executor) {
  return {
    async findApplicationById(id: string, tx: Executor = db): Promise<ApplicationRecord | undefined> {
      const row = await tx
        .selectFrom('applications')
        .selectAll()
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async findAdminApplication(tx: Executor = db): Promise<ApplicationRecord | undefined> {
      const row = await tx
        .selectFrom('applications')
        .selectAll()
        .where('tenantId', '=', 'default')
        .where('isAdmin', '=', 1)
        .orderBy('createdAt')
        .executeTakeFirst();
      return row && toRecord(row);
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
          customClientMetadata: '{}',
          isThirdParty: 0,
          isAdmin: bit(app.isAdmin),
          createdAt: app.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async updateApplicationSecret(id: string, secretHash: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('applications')
        .set({ secretHash })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .execute();
    },
  };
}

export type ApplicationsRepo = ReturnType<typeof createApplicationsRepo>;
