/**
 * The SSRF guard's I/O half (the policy itself is pure, in domain/address-policy.ts): it vets the
 * address a webhook connection is actually made to.
 *
 * Checking the URL's hostname before sending is not enough: DNS can answer differently at connect
 * time (rebinding), and a hostname like `localtest.me` resolves to 127.0.0.1. So hostnames are
 * resolved by our own `lookup`, which refuses the connection when any answer is not allowed, and
 * IP literals (for which Node skips `lookup` entirely) are checked by the connector wrapper.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import {
  classifyAddress,
  isAddressAllowed,
  parseAllowList,
  type AllowList,
} from '../domain/address-policy.js';

const ALLOW_VARIABLE = 'IDHOOKS_ALLOW_PRIVATE_TARGETS';

/** A connection the SSRF policy refused; a configuration problem, never a transient one. */
export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
  readonly code = 'IDHOOKS_TARGET_REFUSED';
}

/** Parses the operator's allow list, naming the variable when it is malformed. */
export function parseAllowedTargets(spec: string): AllowList {
  try {
    return parseAllowList(spec);
  } catch (error) {
    throw new Error(`${ALLOW_VARIABLE}: ${(error as Error).message}`, { cause: error });
  }
}

/** `[::1]` → `::1`: URL hostnames keep IPv6 brackets, address functions do not accept them. */
export const stripBrackets = (host: string): string =>
  host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;

/** The refusal for one resolved address, or undefined when the policy allows it. */
export function refusalFor(
  host: string,
  address: string,
  allowList: AllowList,
): TargetRefusedError | undefined {
  if (isAddressAllowed(address, allowList)) return undefined;
  const category = classifyAddress(address);
  const target = host === address ? address : `${host} resolves to ${address}`;
  return new TargetRefusedError(
    `refused: ${target} (${category}); webhooks may only reach public addresses. ` +
      `If this target is intended, allow it with ${ALLOW_VARIABLE} (e.g. ${address}/${isIP(address) === 6 ? 128 : 32}).`,
  );
}

/** Checks an IP-literal host; hostnames return undefined (they are checked at lookup). */
export function refusalForLiteral(host: string, allowList: AllowList): TargetRefusedError | undefined {
  const bare = stripBrackets(host);
  return isIP(bare) === 0 ? undefined : refusalFor(bare, bare, allowList);
}

/** Resolves every address of a name, as `dns.lookup` with `all: true` does. */
export type ResolveAll = (
  hostname: string,
  options: object,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `net.connect` lookup that resolves every address and refuses the connection if any of them is
 * not allowed: with happy-eyeballs Node may try any of the answers, so all must pass.
 */
export function createGuardedLookup(
  allowList: AllowList,
  /** The resolver; injectable so tests can answer a name with any mix of addresses, offline. */
  resolve: ResolveAll = (hostname, options, callback) =>
    dnsLookup(hostname, { ...options, all: true }, callback),
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses
        .map((entry) => refusalFor(hostname, entry.address, allowList))
        .find((refusal) => refusal !== undefined);
      if (refused) return callback(refused, '', 0);
      if (addresses.length === 0) {
        return callback(new Error(`${hostname} has no addresses`), '', 0);
      }
      if (options.all) return (callback as unknown as AllCallback)(null, addresses);
      const [first] = addresses as [LookupAddress];
      return callback(null, first.address, first.family);
    });
  };
}

// Node's LookupFunction type only declares the single-address callback; with `all: true` it is
// called with the array form, which is what net.connect's happy-eyeballs path expects.
type AllCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

/**
 * An undici connector that refuses disallowed IP literals before opening a socket and resolves
 * hostnames through the guarded lookup. undici hands it the hostname without IPv6 brackets.
 */
export function createGuardedConnector(allowList: AllowList, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ lookup: createGuardedLookup(allowList), timeout: timeoutMs });
  return (options, callback) => {
    const refused = refusalForLiteral(options.hostname, allowList);
    if (refused) return callback(refused, null);
    return connect(options, callback);
  };
}

/** Finds a TargetRefusedError anywhere in an error's cause chain (undici may wrap it). */
export function findRefusal(error: unknown): TargetRefusedError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof TargetRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
