import type { EventEmitter } from 'node:events';
import type { Config } from './config/index.js';

/**
 * What a person starting idhooks reads: the banner with the console address and credentials, and
 * a one-line reason when the port cannot be listened on. Everything else goes to the log.
 */

/** Listening failed for a reason the operator fixes; main prints the message alone and exits 1. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** The one-line explanation for a failed listen, naming the fix; undefined for unexpected errors. */
export function listenFailure(error: unknown, host: string, port: number): ListenError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new ListenError(
      `idhooks cannot listen on ${where}: the port is in use (another idhooks?). ` +
        `Stop that process, or choose a free port: PORT=${port === 65_535 ? port - 1 : port + 1} npm start`,
    );
  }
  if (code === 'EACCES') {
    return new ListenError(
      `idhooks cannot listen on ${where}: permission denied. Use a port above 1023, e.g. PORT=3001.`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new ListenError(
      `idhooks cannot listen on ${where}: HOST is not an address of this machine. Use HOST=127.0.0.1 or HOST=0.0.0.0.`,
    );
  }
  return undefined;
}

/**
 * Resolves once `server` listens, rejects with a `ListenError` (or the original error) when it
 * cannot. `@hono/node-server`'s `serve` starts listening at once and reports failure only as an
 * `error` event, which would otherwise crash the process with a stack trace.
 */
export function whenListening(
  server: EventEmitter & { readonly listening: boolean },
  host: string,
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (server.listening) return resolve();
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(listenFailure(error, host, port) ?? error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
}

export interface BannerInput {
  readonly config: Pick<Config, 'endpoint' | 'managementApiResource' | 'dev' | 'databaseUrl'> & {
    readonly delivery: Pick<Config['delivery'], 'allowPrivateTargets'>;
  };
  readonly clientId: string;
  /** Present only on the start that created the admin application. */
  readonly generatedSecret: string | undefined;
  /** Whether the credentials came from IDHOOKS_ADMIN_CLIENT_ID / _SECRET. */
  readonly fromEnvironment: boolean;
}

const RULE = '='.repeat(76);

/**
 * The start-up banner, or undefined when there is nothing to say (production, after the first
 * start). Production prints it only when the secret was just generated, because that is the only
 * time it exists in clear text; development prints it on every start.
 */
export function startupBanner(input: BannerInput): string | undefined {
  const { config, clientId, generatedSecret, fromEnvironment } = input;
  if (!config.dev && generatedSecret === undefined) return undefined;
  const secretLine =
    generatedSecret !== undefined
      ? generatedSecret
      : fromEnvironment
        ? '(the value of IDHOOKS_ADMIN_CLIENT_SECRET)'
        : '(printed on the first start only; to start over, delete the database)';
  // The secret appears once on the screen, on its own line; the command names where it goes.
  const secretForCommand = fromEnvironment ? '$IDHOOKS_ADMIN_CLIENT_SECRET' : '<client secret>';
  const credentials = `"${clientId}:${secretForCommand}"`;
  const lines = [
    RULE,
    config.dev
      ? ' idhooks is running in DEVELOPMENT mode (npm run dev)'
      : ' idhooks created its admin machine-to-machine application',
    '',
    `   console:        ${config.endpoint}/console`,
    `   Management API: ${config.endpoint}/api   (resource ${config.managementApiResource})`,
    `   client id:      ${clientId}`,
    `   client secret:  ${secretLine}`,
  ];
  if (generatedSecret !== undefined) {
    lines.push(
      '',
      ' Save the secret now: it is stored hashed and will not be shown again.',
      ' The same id and secret sign in to the console.',
    );
  }
  lines.push(
    '',
    ' Get a Management API token:',
    `   export TOKEN=$(curl -s -u ${credentials} -d grant_type=client_credentials \\`,
    `     -d resource=${config.managementApiResource} -d scope=all ${config.endpoint}/oidc/token \\`,
    `     | node -p 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
  );
  if (config.dev) {
    lines.push(
      '',
      ` Webhooks may reach: public addresses and ${config.delivery.allowPrivateTargets}`,
      ` Database: ${config.databaseUrl}. Logs are readable lines; production (npm start) logs JSON.`,
    );
  }
  lines.push(RULE);
  return `\n${lines.join('\n')}\n\n`;
}
