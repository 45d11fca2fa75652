import { AppError, notFoundById } from '../shared/errors.js';
import { newSecret, newStandardId } from '../shared/ids.js';
import { hashPassword } from '../shared/passwords.js';
import type { Clock } from '../shared/clock.js';
import type {
  ApplicationChanges,
  ApplicationListQuery,
  ApplicationRecord,
  ApplicationsRepo,
} from '../storage/repos/applications.js';
import {
  CONFIDENTIAL_APPLICATION_TYPES,
  redirectUriProblem,
  toApplicationResponse,
  type ApplicationResponse,
  type ApplicationType,
  type CustomClientMetadata,
  type OidcClientMetadata,
} from '../domain/applications.js';
import type { Page } from './users.js';
import { toWindow, type PageRequest } from './lists.js';
import { CONSOLE_CLIENT_ID } from './auth.js';

export interface CreateApplicationInput {
  name: string;
  type: ApplicationType;
  description?: string | null;
  oidcClientMetadata?: OidcClientMetadata;
  customClientMetadata?: CustomClientMetadata;
  customData?: Record<string, unknown>;
  isThirdParty?: boolean;
}

export type UpdateApplicationInput = Omit<ApplicationChanges, 'oidcClientMetadata'> & {
  oidcClientMetadata?: Partial<OidcClientMetadata>;
};

/** The created application; `secret` is its only appearance in clear text. */
export type CreatedApplication = ApplicationResponse & { secret?: string };
export type ApplicationDetails = ApplicationResponse & { isAdmin: boolean };

export interface ApplicationsServiceDeps {
  readonly applications: ApplicationsRepo;
  readonly clock: Clock;
  /**
   * Stores a new secret hash and, in the same transaction, ends everything issued under the old
   * secret (grants, refresh tokens, access tokens, console sessions): whoever held it is locked out.
   */
  readonly replaceSecret: (applicationId: string, secretHash: string) => Promise<void>;
}

const EMPTY_OIDC_METADATA: OidcClientMetadata = { redirectUris: [], postLogoutRedirectUris: [] };

/** Refuses redirect URIs a browser must never be sent to (javascript:, custom schemes on the web…). */
function assertRedirectUris(type: ApplicationType, metadata: Partial<OidcClientMetadata> | undefined) {
  const uris = [...(metadata?.redirectUris ?? []), ...(metadata?.postLogoutRedirectUris ?? [])];
  const problems = uris.map((uri) => redirectUriProblem(type, uri)).filter((p) => p !== undefined);
  if (problems.length > 0) {
    throw new AppError('guard.invalid_input', { message: `Invalid redirect URI: ${problems.join('; ')}.` });
  }
}

const withIsAdmin = (app: ApplicationRecord): ApplicationDetails => ({
  ...toApplicationResponse(app),
  isAdmin: app.isAdmin,
});

/**
 * Applications (Logto's `/api/applications`). Logto announces no application events, so nothing here
 * emits one (docs/events.md#management-api-routes-and-their-events). Secrets are stored as argon2 hashes, like user passwords: a database
 * leak must not hand out working client credentials.
 */
/**
 * The console's own client is recreated on every start and redeems its codes in-process without a
 * secret: deleting it would only break console sign-in until the next restart.
 */
const consoleApplicationIsBuiltIn = () =>
  new AppError('guard.invalid_input', {
    message:
      "idhooks-console is the console's built-in sign-in application; it cannot be deleted and has no secret.",
  });

export function createApplicationsService({ applications, clock, replaceSecret }: ApplicationsServiceDeps) {
  async function getApplication(id: string): Promise<ApplicationRecord> {
    const app = await applications.findApplicationById(id);
    if (!app) throw notFoundById('application', id);
    return app;
  }

  return {
    async listApplications(
      query: Omit<ApplicationListQuery, 'limit' | 'offset'>,
      page?: PageRequest,
    ): Promise<Page<ApplicationResponse>> {
      const [records, total] = await Promise.all([
        applications.listApplications({ ...query, ...toWindow(page) }),
        applications.countApplications(query),
      ]);
      return { items: records.map(toApplicationResponse), total };
    },

    async getApplication(id: string): Promise<ApplicationDetails> {
      return withIsAdmin(await getApplication(id));
    },

    async createApplication(input: CreateApplicationInput): Promise<CreatedApplication> {
      if (input.isThirdParty && input.type !== 'Traditional') {
        throw new AppError('application.invalid_third_party_application_type');
      }
      assertRedirectUris(input.type, input.oidcClientMetadata);
      const secret = CONFIDENTIAL_APPLICATION_TYPES.includes(input.type) ? newSecret() : undefined;
      const app = await applications.insertApplication({
        id: newStandardId(),
        name: input.name,
        description: input.description ?? null,
        type: input.type,
        secretHash: secret === undefined ? null : await hashPassword(secret),
        oidcClientMetadata: input.oidcClientMetadata ?? EMPTY_OIDC_METADATA,
        customClientMetadata: input.customClientMetadata,
        customData: input.customData,
        isThirdParty: input.isThirdParty,
        isAdmin: false,
        createdAt: clock.now(),
      });
      return { ...toApplicationResponse(app), secret };
    },

    /** Updates an application; `oidcClientMetadata` keys are merged into the stored ones. */
    async updateApplication(id: string, input: UpdateApplicationInput): Promise<ApplicationDetails> {
      const current = await getApplication(id);
      const { oidcClientMetadata, ...rest } = input;
      assertRedirectUris(current.type, oidcClientMetadata);
      const changes: ApplicationChanges = {
        ...rest,
        ...(oidcClientMetadata && {
          oidcClientMetadata: { ...current.oidcClientMetadata, ...oidcClientMetadata },
        }),
      };
      const hasChanges = Object.values(changes).some((value) => value !== undefined);
      const app = hasChanges ? await applications.updateApplicationById(id, changes) : current;
      if (!app) throw notFoundById('application', id);
      return withIsAdmin(app);
    },

    /**
     * Deletes an application; its organization memberships go with it (cascade). The admin
     * application cannot be deleted here: it is the credential operators reach this API with, and
     * without it only a restart with IDHOOKS_ADMIN_CLIENT_ID/SECRET could let anyone back in.
     */
    async deleteApplication(id: string): Promise<void> {
      const app = await getApplication(id);
      if (app.isAdmin) throw new AppError('application.cannot_delete_admin_application');
      if (app.id === CONSOLE_CLIENT_ID) throw consoleApplicationIsBuiltIn();
      if (!(await applications.deleteApplicationById(id))) throw notFoundById('application', id);
    },

    /**
     * Replaces a confidential application's secret; the new one is returned this once, only its hash
     * is kept. The admin application's secret is set by IDHOOKS_ADMIN_CLIENT_SECRET at start-up, so
     * rotating it here would be undone by the next restart; public clients have none.
     */
    async rotateSecret(id: string): Promise<{ application: ApplicationResponse; secret: string }> {
      const app = await getApplication(id);
      if (app.id === CONSOLE_CLIENT_ID) throw consoleApplicationIsBuiltIn();
      if (app.isAdmin) {
        throw new AppError('guard.invalid_input', {
          message: "The admin application's secret is set by IDHOOKS_ADMIN_CLIENT_SECRET; change it there.",
        });
      }
      if (!CONFIDENTIAL_APPLICATION_TYPES.includes(app.type)) {
        throw new AppError('guard.invalid_input', {
          message: `${app.type} applications are public clients and have no secret.`,
        });
      }
      const secret = newSecret();
      await replaceSecret(id, await hashPassword(secret));
      return { application: toApplicationResponse(app), secret };
    },
  };
}

export type ApplicationsService = ReturnType<typeof createApplicationsService>;
