/**
 * Success messages shown after a redirect (Logto's toasts, docs/compatibility.md#console). The redirect names one by
 * key (`?notice=saved`), never by text, so a crafted link cannot make the console display words of
 * an attacker's choosing.
 */
export const NOTICES = {
  created: (p: Record<string, string>) => `The webhook ${p.name ?? ''} has been successfully created.`,
  saved: () => 'Saved.',
  disabled: () => 'The webhook has been disabled.',
  reactivated: () => 'The webhook has been reactivated.',
  deleted: () => 'The webhook has been successfully deleted.',
  'key-regenerated': () => 'Signing key has been regenerated.',
  resent: () => 'The delivery has been queued to be sent again; its new attempt is listed below once sent.',
  recovered: (p: Record<string, string>) =>
    p.count === '1'
      ? '1 failed delivery has been queued again.'
      : `${p.count ?? '0'} failed deliveries have been queued again.`,
  'signed-out': () => 'You have signed out.',
  'user-suspended': () => 'The user has been suspended.',
  'user-reactivated': () => 'The user has been reactivated.',
  'user-deleted': () => 'The user has been deleted.',
  'role-assigned': () => 'The role has been assigned.',
  'application-created': (p: Record<string, string>) => `The application ${p.name ?? ''} has been created.`,
  'application-deleted': () => 'The application has been deleted.',
  'role-created': () => 'The role has been created.',
  'scopes-assigned': () => 'The permissions have been assigned.',
  'users-assigned': () => 'The users have been assigned.',
  'resource-created': () => 'The API resource has been created.',
  'scope-created': () => 'The permission has been created.',
  'organization-created': () => 'The organization has been created.',
  'members-added': () => 'The members have been added.',
} as const satisfies Record<string, (params: Record<string, string>) => string>;

export type NoticeKey = keyof typeof NOTICES;
