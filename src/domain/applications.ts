/** Logto's application types. `Protected` and `SAML` exist in Logto but nothing here serves them. */
export const APPLICATION_TYPES = ['Native', 'SPA', 'Traditional', 'MachineToMachine'] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

export interface Application {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly type: ApplicationType;
  readonly oidcClientMetadata: { redirectUris: string[]; postLogoutRedirectUris: string[] };
  readonly customClientMetadata: Record<string, unknown>;
  readonly isThirdParty: boolean;
  readonly createdAt: number;
}

/** The `application` object of webhook payloads (contract §5.2): four fields, never secrets. */
export const applicationSummary = (app: Application) => ({
  id: app.id,
  type: app.type,
  name: app.name,
  description: app.description,
});
