import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { HookLogsService } from '../../services/hook-logs.js';
import type { HooksService } from '../../services/hooks.js';
import type { Clock } from '../../shared/clock.js';
import { frameOf, type ConsoleContext, type ConsoleEnv } from '../context.js';
import { readForm } from '../form-values.js';
import {
  errorsFromService,
  readHookForm,
  validateHookForm,
  valuesOfHook,
  type HookFormErrors,
  type HookFormValues,
} from '../hook-form.js';
import { consolePaths } from '../paths.js';
import { logRefusedTarget } from './hooks.js';
import { ConfirmPage, type Confirmation } from '../pages/confirm.js';
import { HookSettingsPage, type TestResult } from '../pages/hook-settings.js';

export interface HookRoutesDeps {
  readonly hooks: HooksService;
  readonly hookLogs: HookLogsService;
  readonly clock: Clock;
  /** How long a replaced signing key keeps signing `webhook-signature`, for the confirmation text. */
  readonly signingKeyGraceSeconds: number;
}

const graceText = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}` : `${seconds} seconds`;

/**
 * The confirmations. The disable text says what disabling does, unlike Logto's, whose disable
 * dialog asks whether to *reactivate* (docs/compatibility.md#console).
 */
function confirmations(id: string, name: string, graceSeconds: number): Record<string, Confirmation> {
  const back = consolePaths.settings(id);
  const regenerateText =
    graceSeconds > 0
      ? `The new key signs the logto-signature-sha-256 header from now on, so update the key in your endpoint right away. The old key keeps signing the webhook-signature header beside the new one for ${graceText(graceSeconds)}.`
      : 'The new key takes effect immediately for every signature header. Please remember to update the signing key in your endpoint at the same time.';
  return {
    disable: {
      title: 'Disable webhook',
      message: `Disable "${name}"? Its endpoint URL will stop receiving requests. Events that happen while it is disabled are not delivered, even after you reactivate it; deliveries already waiting are held until then.`,
      action: `${consolePaths.hook(id)}/disable`,
      confirmLabel: 'Disable webhook',
      cancelHref: back,
      isDanger: true,
    },
    delete: {
      title: 'Delete webhook',
      message: `You are removing "${name}". After deleting it, its endpoint URL will not receive any more requests, and deliveries still waiting are cancelled. This cannot be undone.`,
      action: `${consolePaths.hook(id)}/delete`,
      confirmLabel: 'Delete webhook',
      cancelHref: back,
      isDanger: true,
    },
    regenerate: {
      title: 'Regenerate signing key',
      message: regenerateText,
      action: `${consolePaths.hook(id)}/signing-key/regenerate`,
      confirmLabel: 'Regenerate',
      cancelHref: back,
      isDanger: false,
    },
  };
}

/** One webhook: settings, test send, disable / reactivate / delete, signing key (docs/compatibility.md#console). */
export function hookRoutes({ hooks, hookLogs, clock, signingKeyGraceSeconds }: HookRoutesDeps) {
  const app = new Hono<ConsoleEnv>();

  const load = async (id: string) => {
    const [hook, activity] = await Promise.all([
      hooks.getHook(id, { includeExecutionStats: true }),
      hookLogs.hourlyActivity(id),
    ]);
    return { hook, activity, targetWarning: await hooks.targetWarning(hook.config.url) };
  };

  const renderSettings = async (
    c: ConsoleContext,
    options: {
      values?: HookFormValues;
      errors?: HookFormErrors;
      testResult?: TestResult;
      status?: 200 | 400;
    },
  ) => {
    const id = c.req.param('id') ?? '';
    const { hook, activity, targetWarning } = await load(id);
    const page = (
      <HookSettingsPage
        frame={frameOf(c, { name: hook.name || 'Unnamed' })}
        hook={hook}
        activity={activity}
        values={options.values ?? valuesOfHook(hook)}
        errors={options.errors}
        testResult={options.testResult}
        targetWarning={targetWarning}
      />
    );
    return c.html(page, options.status ?? 200);
  };

  const confirmPage = async (c: ConsoleContext, which: 'disable' | 'delete' | 'regenerate') => {
    const id = c.req.param('id') ?? '';
    const hook = await hooks.getHook(id, { includeExecutionStats: false });
    const confirmation = confirmations(hook.id, hook.name || 'Unnamed', signingKeyGraceSeconds)[which]!;
    return c.html(<ConfirmPage frame={frameOf(c)} confirmation={confirmation} />);
  };

  app.get('/webhooks/:id', (c) => c.redirect(consolePaths.settings(c.req.param('id')), 303));
  app.get('/webhooks/:id/settings', (c) => renderSettings(c, {}));

  app.post('/webhooks/:id/settings', async (c) => {
    const id = c.req.param('id');
    const values = readHookForm(await readForm(c));
    const checked = validateHookForm(values, { withHeaders: true });
    if (checked.errors) return renderSettings(c, { values, errors: checked.errors, status: 400 });
    const current = await hooks.getHook(id, { includeExecutionStats: false });
    const { name, url, events, headers } = checked.input;
    let updated: Awaited<ReturnType<HooksService['updateHook']>>;
    try {
      updated = await hooks.updateHook(id, {
        name,
        events,
        // The whole config is replaced (as Logto's console does); keep the legacy `retries` and the
        // delivery order (set through the API) as stored.
        config: {
          url,
          ...(Object.keys(headers).length > 0 ? { headers } : {}),
          ...(current.config.retries === undefined ? {} : { retries: current.config.retries }),
          // Set through the API only (docs/blocking-hooks.md); a settings save keeps them.
          ...(current.config.timeoutMs === undefined ? {} : { timeoutMs: current.config.timeoutMs }),
          ...(current.config.failurePolicy === undefined
            ? {}
            : { failurePolicy: current.config.failurePolicy }),
          ...(current.config.ordering === undefined ? {} : { ordering: current.config.ordering }),
        },
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      return renderSettings(c, { values, errors: errorsFromService(error), status: 400 });
    }
    await logRefusedTarget(c, hooks, updated);
    return c.redirect(`${consolePaths.settings(id)}?notice=saved`, 303);
  });

  // Logto's test uses the form's current values, saved or not (docs/compatibility.md#console).
  app.post('/webhooks/:id/test', async (c) => {
    const id = c.req.param('id');
    const values = readHookForm(await readForm(c));
    const checked = validateHookForm(values, { withHeaders: true });
    if (checked.errors) return renderSettings(c, { values, errors: checked.errors, status: 400 });
    const { url, events, headers } = checked.input;
    const sentAt = clock.now();
    try {
      const outcomes = await hooks.sendTestPayloads(id, {
        events,
        config: { url, ...(Object.keys(headers).length > 0 ? { headers } : {}) },
      });
      return renderSettings(c, { values, testResult: { url, sentAt, outcomes } });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      return renderSettings(c, { values, errors: errorsFromService(error), status: 400 });
    }
  });

  app.get('/webhooks/:id/disable', (c) => confirmPage(c, 'disable'));
  app.post('/webhooks/:id/disable', async (c) => {
    const hook = await hooks.updateHook(c.req.param('id'), { enabled: false });
    return c.redirect(`${consolePaths.settings(hook.id)}?notice=disabled`, 303);
  });

  // Reactivating needs no confirmation, as in Logto: it only resumes what the operator set up.
  app.post('/webhooks/:id/reactivate', async (c) => {
    const hook = await hooks.updateHook(c.req.param('id'), { enabled: true });
    return c.redirect(`${consolePaths.settings(hook.id)}?notice=reactivated`, 303);
  });

  app.get('/webhooks/:id/delete', (c) => confirmPage(c, 'delete'));
  app.post('/webhooks/:id/delete', async (c) => {
    await hooks.deleteHook(c.req.param('id'));
    return c.redirect(`${consolePaths.hooks}?notice=deleted`, 303);
  });

  app.get('/webhooks/:id/signing-key/regenerate', (c) => confirmPage(c, 'regenerate'));
  app.post('/webhooks/:id/signing-key/regenerate', async (c) => {
    const hook = await hooks.regenerateSigningKey(c.req.param('id'));
    return c.redirect(`${consolePaths.settings(hook.id)}?notice=key-regenerated`, 303);
  });

  return app;
}
