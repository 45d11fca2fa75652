/**
 * `PreTokenIssue` (docs/blocking-hooks.md): asked by the OpenID Provider before it issues a user's
 * access token for an API resource. The receivers' claims are returned for the token; a deny or a
 * closed-policy failure is thrown as the flow's error, which the provider turns into an OAuth error.
 */
import { applicationSummary } from '../domain/applications.js';
import { preTokenIssueEvent } from '../domain/blocking-payloads.js';
import { toUserInfo } from '../domain/users.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { UsersRepo } from '../storage/repos/users.js';
import type { BlockingHooksService } from './blocking-hooks.js';

export interface TokenClaimsRequest {
  readonly userId: string;
  readonly clientId: string | undefined;
  readonly grantType: string;
  readonly resource: string;
  readonly scopes: readonly string[];
}

export function createTokenClaims(deps: {
  readonly blockingHooks: BlockingHooksService;
  readonly users: UsersRepo;
  readonly applications: ApplicationsRepo;
  readonly now: () => number;
}) {
  /** The claims the receivers add (possibly none); throws `hook.denied` or `hook.unavailable`. */
  return async (request: TokenClaimsRequest): Promise<Record<string, unknown> | undefined> => {
    const user = await deps.users.findUserById(request.userId);
    // The provider refuses tokens of unknown users itself (findAccount); nothing to decide here.
    if (!user) return undefined;
    const app = request.clientId ? await deps.applications.findApplicationById(request.clientId) : undefined;
    const event = preTokenIssueEvent(
      {
        user: toUserInfo(user),
        application: app && applicationSummary(app),
        grantType: request.grantType,
        resource: request.resource,
        scopes: request.scopes,
      },
      deps.now(),
    );
    const { claims } = await deps.blockingHooks.approve(event);
    return Object.keys(claims).length > 0 ? claims : undefined;
  };
}

export type TokenClaims = ReturnType<typeof createTokenClaims>;
