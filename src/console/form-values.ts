import type { Context } from 'hono';

/** A posted form's text fields; file parts and missing fields read as empty. */
export interface FormValues {
  /** The first value of `name`, or `''`. */
  get(name: string): string;
  /** Every value of `name` in posting order (checkbox groups, repeated rows). */
  getAll(name: string): string[];
}

/**
 * The request's form fields. Hono caches the parsed body on the request, so the CSRF check and the
 * route handler read the same parse. A body that is not a form (JSON, say) reads as no fields,
 * which the CSRF check then refuses.
 */
export async function readForm(c: Context): Promise<FormValues> {
  // A malformed multipart body throws while parsing; it carries no usable field either.
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, never>);
  const values = (name: string): string[] => {
    const raw = body[name];
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    return list.filter((value): value is string => typeof value === 'string');
  };
  return { get: (name) => values(name)[0] ?? '', getAll: values };
}
