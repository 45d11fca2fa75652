/** Where the console is mounted; every link and form action is built from these. */
export const CONSOLE_BASE = '/console';

export const consolePaths = {
  signIn: `${CONSOLE_BASE}/sign-in`,
  signOut: `${CONSOLE_BASE}/sign-out`,
  hooks: `${CONSOLE_BASE}/webhooks`,
  createHook: `${CONSOLE_BASE}/webhooks/create`,
  hook: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}`,
  settings: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/settings`,
  requests: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/recent-requests`,
  deliveryStatus: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/delivery-status`,
  delivery: (id: string, deliveryId: string) =>
    `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/recent-requests/${encodeURIComponent(deliveryId)}`,
} as const;

/**
 * Where sign-in may send the browser afterwards: a path inside the console, never another origin
 * (`//evil.example`, `/\\evil.example` and absolute URLs are refused), so the `next` parameter
 * cannot be used as an open redirect.
 */
export function safeNextPath(next: string | undefined): string {
  const fallback = consolePaths.hooks;
  if (!next || next.length > 2000 || !next.startsWith(`${CONSOLE_BASE}/`)) return fallback;
  if (/[\\\s]/.test(next) || next.includes('//')) return fallback;
  const url = new URL(next, 'http://console.invalid');
  if (url.origin !== 'http://console.invalid' || !url.pathname.startsWith(`${CONSOLE_BASE}/`))
    return fallback;
  if (url.pathname === consolePaths.signIn || url.pathname === consolePaths.signOut) return fallback;
  return `${url.pathname}${url.search}`;
}
