import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What `npm install --omit=dev` gets must run the server, and `engines` must promise no Node version
 * a runtime dependency refuses (issue 18 item 6).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }>;
};
// semver is in the tree already (a runtime dependency of a dependency); tests may use it.
const semver = createRequire(import.meta.url)('semver') as {
  subset(range: string, superset: string): boolean;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** `@hono/node-server/conninfo` → `@hono/node-server`; `hono/jsx` → `hono`. */
const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');

describe('package.json', () => {
  it('lists every package the server imports under dependencies', () => {
    const imported = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      // Static imports and re-exports (a statement's `from` at the end, possibly across lines),
      // side-effect imports and dynamic `import('…')`; prose that merely says "from 'x'" is not one.
      const statements =
        /^(?:import|export)\b[^;]*?\bfrom\s*'([^'.][^']*)'|^import\s*'([^'.][^']*)'|\bimport\(\s*'([^'.][^']*)'\s*\)/gm;
      for (const match of text.matchAll(statements)) {
        const name = packageOf(match[1] ?? match[2] ?? match[3] ?? '');
        if (!name.startsWith('node:')) imported.add(name);
      }
    }
    // The scan must see real imports, or an empty result would prove nothing.
    for (const known of ['hono', 'kysely', 'oidc-provider', 'light-my-request'])
      expect(imported).toContain(known);
    const missing = [...imported].filter((name) => !(name in manifest.dependencies));
    expect(missing, 'imported by src/ but not a runtime dependency').toEqual([]);
  });

  it('keeps build and test tools out of the runtime dependencies', () => {
    for (const tool of ['tsx', 'typescript', 'vitest', 'eslint', 'prettier', 'esbuild']) {
      expect(manifest.dependencies, tool).not.toHaveProperty(tool);
    }
  });

  it('promises only Node versions every runtime dependency supports', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && entry.engines && !Array.isArray(entry.engines))
      .map(([path, entry]) => ({
        name: path.replace(/^.*node_modules\//, ''),
        node: (entry.engines as { node?: string }).node,
      }))
      .filter((entry): entry is { name: string; node: string } => entry.node !== undefined)
      .filter((entry) => !semver.subset(manifest.engines.node, entry.node))
      .map((entry) => `${entry.name} needs node ${entry.node}`);
    expect(refusing, `engines.node is "${manifest.engines.node}"`).toEqual([]);
  });
});
