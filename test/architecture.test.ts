import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Enforces the import table of docs/architecture.md ("Layers"): every import and re-export under src/
 * is read with the TypeScript parser and checked against the rules below. A failure names the file,
 * the line and the import, and says what the folder may import instead. Colocated `*.test.ts` files
 * are skipped: tests may import anything.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

interface ImportRef {
  /** File path relative to the repository root, with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  /** `import type …`, `export type … from`, or every named binding marked `type`. */
  readonly isTypeOnly: boolean;
}

/** Where an import points: a folder of src/ (`storage/repos`, `http`, …), or an npm/node module. */
type Target = { kind: 'src'; module: string } | { kind: 'package'; name: string };

/** `src/storage/repos/users.ts` → `storage/repos/users.ts` */
const srcPath = (file: string) => file.replace(/^src\//, '');

function resolveTarget(from: string, specifier: string): Target {
  if (!specifier.startsWith('.')) {
    const name = specifier.startsWith('node:') ? specifier : `node:${specifier}`;
    return isNodeBuiltin(specifier) ? { kind: 'package', name } : { kind: 'package', name: specifier };
  }
  const absolute = resolve(ROOT, dirname(from), specifier);
  return { kind: 'src', module: relative(SRC, absolute).split(sep).join('/') };
}

const NODE_BUILTINS = new Set(
  [
    'assert',
    'buffer',
    'child_process',
    'crypto',
    'dgram',
    'dns',
    'events',
    'fs',
    'fs/promises',
    'http',
    'http2',
    'https',
    'net',
    'os',
    'path',
    'perf_hooks',
    'stream',
    'timers',
    'timers/promises',
    'tls',
    'url',
    'util',
    'worker_threads',
    'zlib',
  ].map((m) => `node:${m}`),
);
const isNodeBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || NODE_BUILTINS.has(`node:${specifier}`);

/** Every static import, re-export and dynamic `import('…')` of one source file. */
function readImports(file: string, source: string): ImportRef[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, specifier: string, isTypeOnly: boolean) =>
    refs.push({
      file,
      line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1,
      specifier,
      isTypeOnly,
    });

  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allNamedAreTypes =
        !!bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((element) => element.isTypeOnly);
      const isTypeOnly = !!clause && (clause.isTypeOnly || (!clause.name && allNamedAreTypes));
      add(node, node.moduleSpecifier.text, isTypeOnly);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const clause = node.exportClause;
      const allNamedAreTypes =
        !!clause && ts.isNamedExports(clause) && clause.elements.every((element) => element.isTypeOnly);
      add(node, node.moduleSpecifier.text, node.isTypeOnly || allNamedAreTypes);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node, node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) add(node, literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

interface Rule {
  /** The folder (or file) the rule governs, relative to src/. The longest match wins. */
  readonly folder: string;
  /** src/ folders this one may import; a `type:` prefix allows type-only imports alone. */
  readonly mayImport: readonly string[];
  /** When set, the only packages (npm or node:) this folder may import. */
  readonly onlyPackages?: readonly string[];
  /** Packages this folder must not import (exact names, or a prefix ending in `/`). */
  readonly forbiddenPackages?: readonly string[];
}

/**
 * `domain/` holds pure rules and must stay free of I/O. `node:net` is allowed on purpose: the URL
 * policy uses its pure `isIP()`; the sockets themselves live in `delivery/`.
 */
const IO_PACKAGES = [
  'node:http',
  'node:https',
  'node:http2',
  'node:dns',
  'node:dgram',
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:tls',
  'node:worker_threads',
  'pg',
  'better-sqlite3',
  'kysely',
  'hono',
  'hono/',
  '@hono/',
  'undici',
  'pino',
];

const RULES: readonly Rule[] = [
  { folder: 'shared', mayImport: [] },
  { folder: 'config', mayImport: ['shared'] },
  { folder: 'domain', mayImport: ['shared'], forbiddenPackages: IO_PACKAGES },
  { folder: 'storage', mayImport: ['type:domain', 'shared', 'type:config'] },
  // Migrations are frozen in time: today's types and helpers must not change what an old one does.
  { folder: 'storage/migrations', mayImport: [], onlyPackages: ['kysely'] },
  { folder: 'services', mayImport: ['storage/repos', 'type:storage/db', 'domain', 'shared'] },
  {
    folder: 'delivery',
    mayImport: ['storage/repos', 'type:storage', 'domain', 'shared', 'type:config'],
  },
  { folder: 'http', mayImport: ['services', 'domain', 'shared'] },
  { folder: 'console', mayImport: ['services', 'http/middleware', 'domain', 'shared'] },
  // The client commands talk to a running idhooks over HTTP: never its storage or services.
  { folder: 'cli', mayImport: ['domain', 'shared', 'config'] },
  { folder: 'main.ts', mayImport: ['*'] },
  { folder: 'startup.ts', mayImport: ['type:config'] },
  { folder: 'container.ts', mayImport: ['*'] },
  { folder: 'container-oidc.ts', mayImport: ['*'] },
  { folder: 'app.ts', mayImport: ['*'] },
];

const within = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** The rule for a file under src/: the most specific folder that contains it. */
function ruleFor(file: string): Rule | undefined {
  const path = srcPath(file);
  return [...RULES]
    .filter((rule) => within(path, rule.folder))
    .sort((a, b) => b.folder.length - a.folder.length)[0];
}

const matchesPackage = (name: string, pattern: string) =>
  pattern.endsWith('/') ? name.startsWith(pattern) : name === pattern || name.startsWith(`${pattern}/`);

/** Why an import breaks the table, or undefined when it is allowed. */
function violation(ref: ImportRef): string | undefined {
  const rule = ruleFor(ref.file);
  const where = `${ref.file}:${ref.line} imports '${ref.specifier}'`;
  if (!rule) {
    return `${where}, but ${srcPath(ref.file)} is in no folder of docs/architecture.md's import table; add the folder to the table (and to RULES in test/architecture.test.ts)`;
  }
  const target = resolveTarget(ref.file, ref.specifier);
  if (target.kind === 'package') {
    if (rule.onlyPackages && !rule.onlyPackages.includes(target.name)) {
      return `${where}: ${rule.folder}/ may import only ${rule.onlyPackages.join(', ')}`;
    }
    const forbidden = rule.forbiddenPackages?.find((pattern) => matchesPackage(target.name, pattern));
    if (forbidden)
      return `${where}: ${rule.folder}/ must not import ${forbidden} (no I/O or frameworks here)`;
    return undefined;
  }
  const module = target.module;
  if (module.startsWith('..')) return `${where}: src/ must not import files outside src/`;
  if (rule.mayImport.includes('*') || within(module, rule.folder)) return undefined;
  for (const allowed of rule.mayImport) {
    const isTypeOnlyRule = allowed.startsWith('type:');
    const folder = allowed.replace(/^type:/, '');
    if (!within(module.replace(/\.(js|ts|tsx)$/, ''), folder)) continue;
    if (isTypeOnlyRule && !ref.isTypeOnly) {
      return `${where}: ${rule.folder}/ may import ${folder} for types only; use \`import type\``;
    }
    return undefined;
  }
  const allowedList = rule.mayImport.length ? rule.mayImport.join(', ') : 'nothing else in src/';
  return `${where} (${module}): ${rule.folder}/ may import ${allowedList}`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const ALL_IMPORTS = sourceFiles(SRC).flatMap((path) =>
  readImports(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8')),
);

describe('architecture: docs/architecture.md import table', () => {
  it('reads the imports of every source file', () => {
    const files = new Set(ALL_IMPORTS.map((ref) => ref.file));
    expect(files.size).toBeGreaterThan(20);
    expect(files).toContain('src/app.ts');
  });

  it('every import under src/ follows the table', () => {
    const violations = ALL_IMPORTS.map(violation).filter((v): v is string => v !== undefined);
    expect(
      violations,
      `Imports that break docs/architecture.md's table:\n${violations.join('\n')}\n`,
    ).toEqual([]);
  });

  // The checker itself, so that a broken parser cannot make the test above pass vacuously.
  describe('the checker', () => {
    const check = (file: string, source: string) =>
      readImports(file, source)
        .map(violation)
        .filter((v) => v !== undefined);

    it('parses multi-line, type-only, re-export, side-effect and dynamic imports', () => {
      const refs = readImports(
        'src/x.ts',
        [
          "import {\n  a,\n  b,\n} from './a.js';",
          "import type { T } from './t.js';",
          "import { type U, type V } from './u.js';",
          "import { type W, w } from './w.js';",
          "export { x } from './x.js';",
          "export type { Y } from './y.js';",
          "import './side-effect.js';",
          "const m = await import('./dynamic.js');",
          "type Z = import('./z.js').Z;",
        ].join('\n'),
      );
      expect(refs.map((r) => [r.specifier, r.isTypeOnly])).toEqual([
        ['./a.js', false],
        ['./t.js', true],
        ['./u.js', true],
        ['./w.js', false],
        ['./x.js', false],
        ['./y.js', true],
        ['./side-effect.js', false],
        ['./dynamic.js', false],
        ['./z.js', true],
      ]);
      expect(refs[1]?.line).toBe(5);
    });

    it.each([
      ['src/shared/ids.ts', "import { loadConfig } from '../config/index.js';"],
      ['src/config/index.ts', "import type { Db } from '../storage/db.js';"],
      ['src/domain/users.ts', "import { Hono } from 'hono';"],
      ['src/domain/users.ts', "import { request } from 'node:http';"],
      ['src/domain/users.ts', "import { sql } from 'kysely';"],
      ['src/domain/users.ts', "import type { UsersService } from '../services/users.js';"],
      ['src/storage/repos/users.ts', "import { userProfileSchema } from '../../domain/users.js';"],
      ['src/storage/repos/users.ts', "import { loadConfig } from '../../config/index.js';"],
      ['src/storage/repos/users.ts', "import type { UsersService } from '../../services/users.js';"],
      ['src/storage/migrations/0009-x.ts', "import { newUserId } from '../../shared/ids.js';"],
      ['src/storage/migrations/0009-x.ts', "import { z } from 'zod';"],
      ['src/services/users.ts', "import { createDatabase } from '../storage/db.js';"],
      ['src/services/users.ts', "import type { Capabilities } from '../storage/dialects/capabilities.js';"],
      ['src/services/users.ts', "import type { Config } from '../config/index.js';"],
      ['src/services/users.ts', "import { oidcRoutes } from '../http/routes/oidc.js';"],
      ['src/delivery/engine.ts', "import { createUsersService } from '../services/users.js';"],
      ['src/delivery/engine.ts', "import { loadConfig } from '../config/index.js';"],
      ['src/http/routes/users.ts', "import type { UsersRepo } from '../../storage/repos/users.js';"],
      ['src/http/routes/users.ts', "import { createEngine } from '../../delivery/engine.js';"],
      ['src/console/pages/users.tsx', "import { usersRoutes } from '../../http/routes/users.js';"],
      ['src/console/pages/users.tsx', "import type { Db } from '../../storage/db.js';"],
      ['src/newfolder/thing.ts', "import { AppError } from '../shared/errors.js';"],
    ])('rejects %s: %s', (file, source) => {
      const [message] = check(file, source);
      expect(message).toBeDefined();
      expect(message).toContain(file);
      expect(message).toContain(source.match(/'([^']+)'/)?.[1] ?? '');
    });

    it.each([
      ['src/shared/errors.ts', "import { x } from './ids.js';"],
      ['src/config/index.ts', "import { LOG_LEVELS } from '../shared/logger.js';"],
      ['src/domain/hooks.ts', "import { isIP } from 'node:net';"],
      ['src/storage/repos/users.ts', "import type { User } from '../../domain/users.js';"],
      ['src/storage/db.ts', "import type { Config } from '../config/index.js';"],
      ['src/storage/repos/users.ts', "import { bool, type Executor } from '../db.js';"],
      ['src/storage/migrations/index.ts', "import * as m0001 from './0001-foundation.js';"],
      ['src/storage/migrations/0009-x.ts', "import { sql, type Kysely } from 'kysely';"],
      ['src/services/users.ts', "import type { UsersRepo } from '../storage/repos/users.js';"],
      ['src/services/transaction.ts', "import type { Db } from '../storage/db.js';"],
      ['src/delivery/engine.ts', "import type { Capabilities } from '../storage/dialects/capabilities.js';"],
      ['src/delivery/engine.ts', "import type { Config } from '../config/index.js';"],
      ['src/http/routes/users.ts', "import type { UsersService } from '../../services/users.js';"],
      ['src/http/routes/users.ts', "import { usernameSchema } from '../../domain/users.js';"],
      ['src/console/pages/users.tsx', "import { requireSession } from '../../http/middleware/auth.js';"],
      ['src/container.ts', "import { createDatabase } from './storage/db.js';"],
    ])('allows %s: %s', (file, source) => {
      expect(check(file, source)).toEqual([]);
    });
  });
});
