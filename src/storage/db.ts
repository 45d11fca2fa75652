import { CamelCasePlugin, Kysely, type ColumnType, type Transaction } from 'kysely';
import type pg from 'pg';
import { createPostgresDialect, createPostgresPool } from './dialects/postgres.js';
import { createSqliteDialect, sqliteFilename } from './dialects/sqlite.js';
import { POSTGRES_CAPABILITIES, SQLITE_CAPABILITIES, type Capabilities } from './dialects/capabilities.js';

/**
 * Row types of every table, in camelCase (Kysely's CamelCasePlugin maps them to snake_case; nested
 * objects are never touched because JSON columns are TEXT). Booleans are written as 1/0 and read
 * back as `boolean` (PostgreSQL) or `0 | 1` (SQLite); repos normalise them with `Boolean()`.
 */
export type SqlBool = ColumnType<boolean | 0 | 1, 0 | 1 | undefined, 0 | 1>;
/** JSON stored as TEXT: always a serialised string in and out. */
export type JsonText = string;

export interface SettingsTable {
  key: string;
  value: string;
  createdAt: number;
}

export interface ApplicationsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  name: string;
  description: string | null;
  type: string;
  secretHash: string | null;
  oidcClientMetadata: JsonText;
  customClientMetadata: JsonText;
  isThirdParty: SqlBool;
  isAdmin: SqlBool;
  customData: ColumnType<JsonText, JsonText | undefined, JsonText>;
  createdAt: number;
  tokensRevokedAt: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface UsersTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  passwordEncrypted: string | null;
  passwordEncryptionMethod: string | null;
  name: string | null;
  avatar: string | null;
  customData: JsonText;
  identities: JsonText;
  profile: JsonText;
  applicationId: string | null;
  cimdClientId: string | null;
  isSuspended: SqlBool;
  lastSignInAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ResourcesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  name: string;
  indicator: string;
  isDefault: SqlBool;
  accessTokenTtl: number;
  createdAt: number;
}

export interface ScopesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  resourceId: string;
  name: string;
  description: string | null;
  createdAt: number;
}

export interface RolesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  name: string;
  description: string;
  type: string;
  isDefault: SqlBool;
  createdAt: number;
}

export interface OrganizationsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  name: string;
  description: string | null;
  customData: JsonText;
  isMfaRequired: SqlBool;
  color: JsonText;
  branding: JsonText;
  customCss: string | null;
  createdAt: number;
}

/** `organization_scopes` and `organization_roles` (the latter adds `type`). */
export interface OrganizationScopesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  name: string;
  description: string | null;
  createdAt: number;
}

export interface OrganizationRolesTable extends OrganizationScopesTable {
  type: string;
}

export interface OrganizationInvitationsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  inviterId: string | null;
  invitee: string;
  acceptedUserId: string | null;
  organizationId: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

/** A many-to-many row; the two id columns are named per table in {@link Database}. */
type Relation<L extends string, R extends string> = Record<L | R, string> & { createdAt: number };

export interface HooksTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  name: string;
  event: string | null;
  events: JsonText;
  config: JsonText;
  signingKey: string;
  previousSigningKeys: ColumnType<JsonText, JsonText | undefined, JsonText>;
  enabled: SqlBool;
  createdAt: number;
  updatedAt: number;
  /** Start of the current run of failed attempts; null after a success. */
  failingSince: ColumnType<number | null, number | null | undefined, number | null>;
  lastFailureAt: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface HookSubscriptionsTable {
  hookId: string;
  event: string;
}

export interface EventsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  type: string;
  payload: JsonText;
  createdAt: number;
}

export interface DeliveriesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  eventId: string;
  hookId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** Attempts made before the last resend or recovery; the retry schedule counts from here. */
  retryBase: ColumnType<number, number | undefined, number>;
  /** The entity a perKey hook's delivery is ordered by; null: unordered (migration 0019). */
  orderingKey: ColumnType<string | null, string | null | undefined, string | null>;
  /** Place among the open deliveries of its hook and key (migration 0019). */
  orderingSeq: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DeliveryAttemptsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  deliveryId: string;
  hookId: string;
  eventType: string;
  attempt: number;
  isSuccess: SqlBool;
  startedAt: number;
  durationMs: number;
  requestUrl: string;
  requestHeaders: JsonText;
  responseStatus: number | null;
  responseHeaders: JsonText | null;
  responseBody: string | null;
  error: string | null;
  nextAttemptAt: number | null;
  /** A blocking call's decision (migration 0021); null on ordinary attempts. */
  decision: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A browser's sign-in session; `id` is the payloads' `sessionId`, the cookie holds a token. */
export interface ExperienceSessionsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  tokenHash: string;
  userId: string | null;
  signedInAt: number | null;
  createdAt: number;
  expiresAt: number;
}

/** One admin console session; the cookie holds the token whose SHA-256 is `tokenHash`. */
/** What the new-device sign-in rule remembers (migration 0016). */
export interface SignInSightingsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  userId: string;
  /** `device` (value = SHA-256 of the device cookie's id) or `network` (value = IP prefix). */
  kind: string;
  value: string;
  lastSeenAt: number;
}

export interface ConsoleSessionsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  tokenHash: string;
  csrfToken: string;
  clientId: string;
  createdAt: number;
  expiresAt: number;
  /** SHA-256 of the admin secret hash the session was opened with (see migration 0011). */
  secretStamp: ColumnType<string, string | undefined, string>;
  /** The user of a sign-in through the hosted page; null for a break-glass session (migration 0018). */
  userId: ColumnType<string | null, string | null | undefined, never>;
}

/** One object of the OpenID Provider (session, grant, code, token…), keyed by its model's name. */
export interface OidcModelInstancesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  modelName: string;
  id: string;
  payload: JsonText;
  expiresAt: number;
  consumedAt: number | null;
  grantId: string | null;
  uid: string | null;
  accountId: string | null;
  clientId: string | null;
}

/** The provider's signing keys; the highest generation signs, all are published. */
export interface OidcSigningKeysTable {
  generation: number;
  kid: string;
  privateJwk: JsonText;
  createdAt: number;
}

/** One sign-in, sign-up or password-reset interaction; `state` is its JSON `InteractionState`. */
export interface InteractionsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  tokenHash: string;
  sessionId: string;
  applicationId: string | null;
  interactionEvent: string | null;
  state: JsonText;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** Bumped by every state change: saving is a compare-and-set on it. */
  version: ColumnType<number, number | undefined, number>;
}

/** A reserved-before-evaluated attempt counter (lockout, failure limits, rate limits). */
export interface AttemptCountersTable {
  tenantId: ColumnType<string, string | undefined, never>;
  scope: string;
  key: string;
  attempts: number;
  windowStartedAt: number;
  lockedUntil: number | null;
}

export interface VerificationCodesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  interactionId: string;
  recipient: string;
  interactionEvent: string;
  codeHash: string;
  attempts: number;
  createdAt: number;
  expiresAt: number;
  verifiedAt: number | null;
}

export interface SentinelActivitiesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  id: string;
  targetType: string;
  targetValue: string;
  action: string;
  result: string;
  lockedUntil: number | null;
  createdAt: number;
}

export interface Database {
  settings: SettingsTable;
  applications: ApplicationsTable;
  users: UsersTable;
  hooks: HooksTable;
  hookSubscriptions: HookSubscriptionsTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  deliveryAttempts: DeliveryAttemptsTable;
  resources: ResourcesTable;
  scopes: ScopesTable;
  roles: RolesTable;
  rolesScopes: Relation<'roleId', 'scopeId'>;
  usersRoles: Relation<'userId', 'roleId'>;
  organizations: OrganizationsTable;
  organizationScopes: OrganizationScopesTable;
  organizationRoles: OrganizationRolesTable;
  organizationRoleScopeRelations: Relation<'organizationRoleId', 'organizationScopeId'>;
  organizationRoleResourceScopeRelations: Relation<'organizationRoleId', 'scopeId'>;
  organizationUserRelations: Relation<'organizationId', 'userId'>;
  organizationApplicationRelations: Relation<'organizationId', 'applicationId'>;
  organizationRoleUserRelations: Relation<'organizationId' | 'organizationRoleId', 'userId'>;
  organizationInvitations: OrganizationInvitationsTable;
  organizationInvitationRoleRelations: Relation<'organizationInvitationId', 'organizationRoleId'>;
  experienceSessions: ExperienceSessionsTable;
  interactions: InteractionsTable;
  verificationCodes: VerificationCodesTable;
  sentinelActivities: SentinelActivitiesTable;
  consoleSessions: ConsoleSessionsTable;
  oidcModelInstances: OidcModelInstancesTable;
  oidcSigningKeys: OidcSigningKeysTable;
  attemptCounters: AttemptCountersTable;
  signInSightings: SignInSightingsTable;
}

export type Db = Kysely<Database>;
/** A transaction or the database itself: every repo function takes one as its executor. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly capabilities: Capabilities;
  /** The raw pool on PostgreSQL, for LISTEN/NOTIFY; undefined on SQLite. */
  readonly pgPool: pg.Pool | undefined;
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  readonly url: string;
  readonly sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** PostgreSQL schema to use instead of the default search_path (tests). */
  readonly pgSchema?: string;
  readonly pgMaxConnections?: number;
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** Opens the database named by a `DATABASE_URL`. */
export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  const plugins = [new CamelCasePlugin()];
  if (isPostgresUrl(options.url)) {
    const pool = createPostgresPool({
      connectionString: options.url,
      schema: options.pgSchema,
      maxConnections: options.pgMaxConnections,
    });
    const db = new Kysely<Database>({ dialect: createPostgresDialect(pool), plugins });
    return { db, capabilities: POSTGRES_CAPABILITIES, pgPool: pool, destroy: () => db.destroy() };
  }
  const { dialect } = createSqliteDialect({
    filename: sqliteFilename(options.url),
    synchronous: options.sqliteSynchronous ?? 'NORMAL',
  });
  const db = new Kysely<Database>({ dialect, plugins });
  return { db, capabilities: SQLITE_CAPABILITIES, pgPool: undefined, destroy: () => db.destroy() };
}

/** Booleans come back as `boolean` from PostgreSQL and `0 | 1` from SQLite. */
export const bool = (value: boolean | 0 | 1): boolean => Boolean(value);
export const bit = (value: boolean): 0 | 1 => (value ? 1 : 0);
