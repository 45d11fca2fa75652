import type { AdminUser } from '../../../domain/users.js';
import { Tag } from '../../components.js';

/** The most readable name a user has: display name, username, email, phone, then the id. */
export const userLabel = (
  user: Pick<AdminUser, 'id' | 'name' | 'username' | 'primaryEmail' | 'primaryPhone'>,
) => user.name || user.username || user.primaryEmail || user.primaryPhone || user.id;

export function SuspensionTag({ user }: { user: Pick<AdminUser, 'isSuspended'> }) {
  return user.isSuspended ? (
    <Tag tone="err" testId="user-status">
      Suspended
    </Tag>
  ) : (
    <Tag tone="ok" testId="user-status">
      Active
    </Tag>
  );
}
