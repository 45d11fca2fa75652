/** Where the console is mounted; every link and form action is built from these. */
export const CONSOLE_BASE = '/console';

export const consolePaths = {
  signIn: `${CONSOLE_BASE}/sign-in`,
  signOut: `${CONSOLE_BASE}/sign-out`,
  signInWithAccount: `${CONSOLE_BASE}/sign-in/account`,
  callback: `${CONSOLE_BASE}/callback`,
  hooks: `${CONSOLE_BASE}/webhooks`,
  createHook: `${CONSOLE_BASE}/webhooks/create`,
  hook: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}`,
  settings: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/settings`,
  requests: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/recent-requests`,
  deliveryStatus: (id: string) => `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/delivery-status`,
  delivery: (id: string, deliveryId: string) =>
    `${CONSOLE_BASE}/webhooks/${encodeURIComponent(id)}/recent-requests/${encodeURIComponent(deliveryId)}`,
  users: `${CONSOLE_BASE}/users`,
  user: (id: string) => `${CONSOLE_BASE}/users/${encodeURIComponent(id)}`,
  applications: `${CONSOLE_BASE}/applications`,
  createApplication: `${CONSOLE_BASE}/applications/create`,
  application: (id: string) => `${CONSOLE_BASE}/applications/${encodeURIComponent(id)}`,
  roles: `${CONSOLE_BASE}/roles`,
  role: (id: string) => `${CONSOLE_BASE}/roles/${encodeURIComponent(id)}`,
  resources: `${CONSOLE_BASE}/api-resources`,
  resource: (id: string) => `${CONSOLE_BASE}/api-resources/${encodeURIComponent(id)}`,
  organizations: `${CONSOLE_BASE}/organizations`,
  organization: (id: string) => `${CONSOLE_BASE}/organizations/${encodeURIComponent(id)}`,
  events: `${CONSOLE_BASE}/events`,
} as const;

/** The main navigation, in order; a page belongs to the section its path starts with. */
export const SECTIONS = [
  { key: 'webhooks', label: 'Webhooks', href: consolePaths.hooks },
  { key: 'users', label: 'Users', href: consolePaths.users },
  { key: 'applications', label: 'Applications', href: consolePaths.applications },
  { key: 'roles', label: 'Roles', href: consolePaths.roles },
  { key: 'api-resources', label: 'API resources', href: consolePaths.resources },
  { key: 'organizations', label: 'Organizations', href: consolePaths.organizations },
  { key: 'events', label: 'Events', href: consolePaths.events },
] as const;
export type SectionKey = (typeof SECTIONS)[number]['key'];

export function sectionOf(pathname: string): SectionKey | undefined {
  const first = pathname.startsWith(`${CONSOLE_BASE}/`)
    ? pathname.slice(CONSOLE_BASE.length + 1).split('/')[0]
    : '';
  return SECTIONS.find((section) => section.key === first)?.key;
}

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
