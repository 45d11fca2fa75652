/**
 * An early word on a hook's address: would the SSRF guard refuse it? Asked when a hook is created
 * or changed and when its console page is shown, so the operator hears of it before every delivery
 * fails. Advisory only: the guard still decides at connect time, on the address actually used.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseAllowedTargets, refusalFor, refusalForLiteral, stripBrackets } from './address-guard.js';

/** Past this a slow resolver gets no warning: the answer is a hint, and must not hold up the API. */
const LOOKUP_TIMEOUT_MS = 1000;

/** The guard's refusal message for `url`, or undefined when it would connect (or cannot tell). */
export type TargetCheck = (url: string) => Promise<string | undefined>;

export function createTargetCheck(allowPrivateTargets: string): TargetCheck {
  const allowList = parseAllowedTargets(allowPrivateTargets);
  return async (url) => {
    let hostname: string;
    try {
      hostname = new URL(url).hostname;
    } catch {
      return undefined;
    }
    if (isIP(stripBrackets(hostname)) !== 0) return refusalForLiteral(hostname, allowList)?.message;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), LOOKUP_TIMEOUT_MS);
    });
    try {
      const addresses = await Promise.race([lookup(hostname, { all: true }), timeout]);
      const refused = (addresses ?? []).map((entry) => refusalFor(hostname, entry.address, allowList));
      return refused.find((refusal) => refusal !== undefined)?.message;
    } catch {
      // A name that does not resolve (yet) is the receiver's business; delivery reports it.
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
}
