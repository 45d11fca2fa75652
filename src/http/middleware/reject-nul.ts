import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { AppEnv } from '../context.js';

/**
 * Refuses input holding a NUL character (U+0000) with a 400 `guard.invalid_input`: in the path, the
 * query, and JSON or form bodies. PostgreSQL text can neither store nor compare NUL ("invalid byte
 * sequence for encoding UTF8: 0x00"), so a NUL in a name, a search or an id reached the database
 * and answered 500 there while SQLite stored it (found by the reliability suite's bad-input
 * scenario). Refused here, it answers the same on both databases and never reaches a payload.
 */
export const rejectNul: MiddlewareHandler<AppEnv> = async (c, next) => {
  // The URL arrives percent-encoded (a raw NUL cannot): %00 is the only way to spell one.
  const url = c.req.url;
  if (/%00/i.test(url.slice(url.indexOf('/', url.indexOf('//') + 2)))) throw refusal('the URL');
  // The method, not `c.req.raw.body`: on the Node server, touching `.body` turns the request into
  // a web stream (a tenth of a created user's CPU in a profile), where `text()` reads it directly.
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  const type = c.req.header('content-type') ?? '';
  if (/json/i.test(type)) {
    const text = await c.req.text();
    // JSON spells a NUL only as the escape \u0000 (a raw one is invalid JSON, which the route's
    // validator answers); bodies without that text are not parsed and walked here at all.
    if (!text.includes('\\u0000')) return next();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return next(); // the route's validator answers malformed JSON
    }
    if (containsNul(parsed)) throw refusal('the request body');
  } else if (/x-www-form-urlencoded/i.test(type)) {
    const text = await c.req.text();
    if (text.includes(NUL) || /%00/i.test(text)) throw refusal('the request body');
  }
  return next();
};

const NUL = '\u0000';

const refusal = (where: string) =>
  new AppError('guard.invalid_input', {
    message: `Invalid input: ${where} contains a NUL character (U+0000), which cannot be stored.`,
  });

/** Looks at every string and key; iterative, so a deeply nested body cannot overflow the stack. */
function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (node.includes(NUL)) return true;
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (key.includes(NUL)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
