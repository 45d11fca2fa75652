import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import { sightingKey, type Sighting, type SignInSightingsRepo } from '../storage/repos/sign-in-sightings.js';
import {
  assessSignIn,
  isNewDeviceSignIn,
  lookbackStart,
  networkPrefixOf,
  newDeviceSignInEvent,
  type DeviceAssessment,
} from '../domain/sign-in-devices.js';
import type { NewEvent } from '../domain/payloads.js';
import type { Emit } from './transaction.js';

export interface SignInDevicesDeps {
  readonly sightings: SignInSightingsRepo;
  readonly clock: Clock;
}

export interface SignInRecord {
  /** The interaction event just emitted: `PostSignIn` (judged) or `PostRegister` (only recorded). */
  readonly signIn: NewEvent;
  readonly userId: string;
  /** The device cookie's value, if the browser sent one. */
  readonly deviceToken: string | undefined;
  /** The client address as the payloads report it. */
  readonly ip: string | undefined;
  readonly now: number;
}

/** A device cookie value: 32 random bytes in base64url. Anything else is replaced, never stored. */
const DEVICE_TOKEN = /^[\w-]{43}$/;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Whole-table pruning runs at most this often per process. Lookups ignore expired rows anyway, so
 * this only bounds how long an inactive user's rows outlive the 90 days.
 */
const PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * The new-device sign-in rule's side effects: remember the device and network of each sign-in
 * (and registration, so a user's first sign-in from the browser they registered on is not "new"),
 * and commit `PostSignInFromNewDevice` beside `PostSignIn` when either was not seen for the user in
 * the last 90 days. The experience service calls `recordSignIn` inside its sign-in transaction.
 */
export function createSignInDevices({ sightings, clock }: SignInDevicesDeps) {
  let lastPruneAt = Number.NEGATIVE_INFINITY;

  return {
    /**
     * Judges and records one sign-in in the caller's transaction, emitting
     * `PostSignInFromNewDevice` when the rule fires. Returns the device token the browser must keep
     * (its own when valid, a fresh one otherwise) for the HTTP layer to set as a cookie.
     */
    async recordSignIn(
      tx: Executor,
      emit: Emit,
      { signIn, userId, deviceToken, ip, now }: SignInRecord,
    ): Promise<{ deviceToken: string; device: DeviceAssessment }> {
      const token =
        deviceToken && DEVICE_TOKEN.test(deviceToken) ? deviceToken : randomBytes(32).toString('base64url');
      const device: Sighting = { kind: 'device', value: sha256(token) };
      const prefix = networkPrefixOf(ip);
      const network: Sighting | undefined =
        prefix === undefined ? undefined : { kind: 'network', value: prefix };
      const seen = [device, ...(network ? [network] : [])];
      const since = lookbackStart(now);
      const lastSeen = await sightings.findLastSeen(userId, seen, since, tx);
      const assessment = assessSignIn({
        deviceLastSeenAt: lastSeen.get(sightingKey(device)),
        networkLastSeenAt: network && lastSeen.get(sightingKey(network)),
        hasNetwork: network !== undefined,
      });
      await sightings.upsertSightings(userId, seen, now, tx);
      if (signIn.type === 'PostSignIn' && isNewDeviceSignIn(assessment)) {
        await emit(newDeviceSignInEvent(signIn, assessment));
      }
      return { deviceToken: token, device: assessment };
    },

    /**
     * Deletes every sighting older than the look-back window, at most once an hour per process.
     * Called before the sign-in transaction, never inside one: a whole-table delete there would
     * lock rows other users' sign-ins are writing.
     */
    async pruneExpired(): Promise<number> {
      const now = clock.now();
      if (now - lastPruneAt < PRUNE_INTERVAL_MS) return 0;
      lastPruneAt = now;
      return sightings.deleteSightingsBefore(lookbackStart(now));
    },
  };
}

export type SignInDevices = ReturnType<typeof createSignInDevices>;
