import type {
  UserActivityRepo,
  UserDeliveryRecord,
  UserEventRecord,
} from '../storage/repos/user-activity.js';

export interface UserActivity {
  readonly organizations: { id: string; name: string }[];
  readonly events: UserEventRecord[];
  readonly deliveries: UserDeliveryRecord[];
}

/** How many of the newest events the console searches for a user's; see the repo for why bounded. */
export const ACTIVITY_SCAN_LIMIT = 5000;
const RECENT_EVENTS = 20;

/** What the console's user page shows beside the user itself. */
export function createUserActivityService({ activity }: { activity: UserActivityRepo }) {
  return {
    async activityOf(userId: string): Promise<UserActivity> {
      const [organizations, events] = await Promise.all([
        activity.listUserOrganizations(userId),
        activity.recentEventsMentioning(userId, { scanLimit: ACTIVITY_SCAN_LIMIT, limit: RECENT_EVENTS }),
      ]);
      const deliveries = await activity.deliveriesOfEvents(events.map((event) => event.id));
      return { organizations, events, deliveries };
    },
  };
}

export type UserActivityService = ReturnType<typeof createUserActivityService>;
