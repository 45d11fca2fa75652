import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Config } from './config/index.js';
import { createOidcProvider } from './http/oidc/provider.js';
import { LOGTO_OSS_MANAGEMENT_API_RESOURCE, canUseManagementApi } from './services/auth.js';
import { createOidcAccountsService } from './services/oidc-accounts.js';
import { createOidcAdapterFactory } from './services/oidc-adapter.js';
import { createOidcClientsService } from './services/oidc-clients.js';
import { createOidcInteractionsService } from './services/oidc-interactions.js';
import { createOidcKeysService } from './services/oidc-keys.js';
import { createOidcRevocationService } from './services/oidc-revocation.js';
import { createOidcSessionsService } from './services/oidc-sessions.js';
import { createTokenClaims } from './services/token-claims.js';
import type { RunInTransaction } from './services/transaction.js';
import type { BlockingHooksService } from './services/blocking-hooks.js';
import type { Clock } from './shared/clock.js';
import type { ApplicationsRepo } from './storage/repos/applications.js';
import type { createConsoleSessionsRepo } from './storage/repos/console-sessions.js';
import type { createExperienceSessionsRepo } from './storage/repos/experience-sessions.js';
import type { createOidcKeysRepo } from './storage/repos/oidc-keys.js';
import type { createOidcModelsRepo } from './storage/repos/oidc-models.js';
import type { createResourcesRepo } from './storage/repos/resources.js';
import type { createRolesRepo } from './storage/repos/roles.js';
import type { createSettingsRepo } from './storage/repos/settings.js';
import type { createUsersRepo } from './storage/repos/users.js';

export interface OidcWiringDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly runInTransaction: RunInTransaction;
  /** `PreTokenIssue` (docs/blocking-hooks.md), asked through the provider's extraTokenClaims. */
  readonly blockingHooks?: BlockingHooksService;
  readonly repos: {
    readonly oidcModels: ReturnType<typeof createOidcModelsRepo>;
    readonly oidcKeys: ReturnType<typeof createOidcKeysRepo>;
    readonly applications: ApplicationsRepo;
    readonly users: ReturnType<typeof createUsersRepo>;
    readonly roles: ReturnType<typeof createRolesRepo>;
    readonly resources: ReturnType<typeof createResourcesRepo>;
    readonly consoleSessions: ReturnType<typeof createConsoleSessionsRepo>;
    readonly experienceSessions: ReturnType<typeof createExperienceSessionsRepo>;
    readonly settings: ReturnType<typeof createSettingsRepo>;
  };
}

/**
 * The OpenID Provider's part of the container (docs/oidc.md): its services, the one way to change
 * an application secret (which ends everything issued under the old one), and the provider itself,
 * built on first use once init() has loaded the keys every node shares.
 */
export function createOidcWiring({ config, clock, runInTransaction, repos, blockingHooks }: OidcWiringDeps) {
  const keys = createOidcKeysService({ keys: repos.oidcKeys, clock });
  const clients = createOidcClientsService({ applications: repos.applications });
  const accounts = createOidcAccountsService({
    users: repos.users,
    roles: repos.roles,
    resources: repos.resources,
  });
  const revocation = createOidcRevocationService({
    models: repos.oidcModels,
    applications: repos.applications,
    consoleSessions: repos.consoleSessions,
    experienceSessions: repos.experienceSessions,
  });

  /** Keys signing the provider's cookies, shared by every node (loaded by init()). */
  let cookieKeys: string[] | undefined;
  let provider: Provider | undefined;

  return {
    keys,
    clients,
    accounts,
    revocation,
    interactions: createOidcInteractionsService({ models: repos.oidcModels, clock }),
    sessions: createOidcSessionsService({
      models: repos.oidcModels,
      applications: repos.applications,
      users: repos.users,
      runInTransaction,
      clock,
    }),
    /** One way to change a secret, for the admin bootstrap and the console's rotation alike. */
    replaceSecret: (applicationId: string, secretHash: string) =>
      runInTransaction(async (tx) => {
        await repos.applications.updateApplicationSecret(applicationId, secretHash, tx);
        await revocation.revokeApplication(applicationId, tx);
      }),
    /** The one OpenID Provider of this process, built on first use after init(). */
    provider(): Provider {
      if (!cookieKeys) throw new Error('The OpenID Provider was requested before init(); call init() first.');
      provider ??= createOidcProvider({
        issuer: `${config.endpoint}/oidc`,
        managementApiResources: [config.managementApiResource, LOGTO_OSS_MANAGEMENT_API_RESOURCE],
        accessTokenTtlSeconds: config.accessTokenTtlSeconds,
        jwks: keys.privateJwks(),
        cookieKeys,
        adapter: createOidcAdapterFactory({
          models: repos.oidcModels,
          clock,
          findClient: (id) => clients.findClientMetadata(id),
        }),
        endpoint: config.endpoint,
        ttl: {
          sessionSeconds: config.experience.sessionTtlSeconds,
          interactionSeconds: config.experience.interactionTtlSeconds,
        },
        accounts,
        tokenClaims:
          blockingHooks &&
          createTokenClaims({
            blockingHooks,
            users: repos.users,
            applications: repos.applications,
            now: () => clock.now(),
          }),
        canUseManagementApi: async (clientId) => {
          const app = await repos.applications.findApplicationById(clientId);
          return app !== undefined && canUseManagementApi(app);
        },
      });
      return provider;
    },
    /** Creates or loads the signing keys and the cookie key; call once the database is migrated. */
    async init(): Promise<void> {
      await keys.init();
      cookieKeys = [
        await repos.settings.ensureSetting(
          'oidc.cookie_key',
          randomBytes(32).toString('base64url'),
          clock.now(),
        ),
      ];
    },
  };
}
