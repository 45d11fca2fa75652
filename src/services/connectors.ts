import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { MessageConnector, VerificationMessage } from '../domain/verification-codes.js';

/** How long the HTTP connector waits for the email service before giving up. */
const HTTP_CONNECTOR_TIMEOUT_MS = 10_000;

/**
 * Logto's HTTP email connector: POSTs `{ to, type, payload: { code } }` as JSON to a URL the
 * operator configured (`IDHOOKS_EMAIL_CONNECTOR_URL`), with an optional `Authorization` header.
 * The URL is operator configuration, not user input, so no SSRF guard applies; redirects are not
 * followed so a compromised endpoint cannot bounce the code elsewhere.
 */
export function createHttpEmailConnector(options: {
  readonly url: string;
  readonly authorization: string | undefined;
}): MessageConnector {
  return {
    name: 'http',
    async send(message: VerificationMessage) {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.authorization ? { authorization: options.authorization } : {}),
          },
          body: JSON.stringify({ to: message.to, type: message.type, payload: message.payload }),
          redirect: 'manual',
          signal: AbortSignal.timeout(HTTP_CONNECTOR_TIMEOUT_MS),
        });
      } catch (error) {
        throw new AppError('connector.general', {
          params: { connector: 'http email', reason: (error as Error).message },
          cause: error,
        });
      }
      // Drain the body so the keep-alive socket is reusable; its content is not needed.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status >= 300) {
        throw new AppError('connector.general', {
          params: { connector: 'http email', reason: `the endpoint answered ${response.status}` },
        });
      }
    },
  };
}

/**
 * The development connector: writes the code to the server log instead of sending it, so a fresh
 * `npm start` can sign people up without an email service. Never use it in production: anyone who
 * reads the log can take over accounts (start-up warns when it is active).
 */
export function createLogConnector(logger: Logger): MessageConnector {
  return {
    name: 'log',
    async send(message: VerificationMessage) {
      logger.info(
        { connector: 'log', to: message.to, type: message.type, code: message.payload.code },
        `verification code for ${message.to}: ${message.payload.code} (development connector; set IDHOOKS_EMAIL_CONNECTOR_URL to send email)`,
      );
    },
  };
}
