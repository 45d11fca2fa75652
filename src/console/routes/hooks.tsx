import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { HooksService } from '../../services/hooks.js';
import type { ConsoleContext, ConsoleEnv } from '../context.js';
import { frameOf } from '../context.js';
import { readForm } from '../form-values.js';
import { errorsFromService, readHookForm, validateHookForm } from '../hook-form.js';
import { consolePaths } from '../paths.js';
import { CreateHookPage } from '../pages/hook-create.js';
import { HOOKS_PAGE_SIZE, HooksListPage } from '../pages/hooks-list.js';
import { parsePage } from '../query.js';

/** The log line the API also writes when a saved hook's URL would be refused (its pages show it too). */
export async function logRefusedTarget(
  c: ConsoleContext,
  hooks: HooksService,
  hook: { readonly id: string; readonly config: { readonly url: string } },
) {
  const warning = await hooks.targetWarning(hook.config.url);
  if (warning !== undefined) {
    c.get('logger')?.warn(
      { hookId: hook.id, url: hook.config.url },
      `hook ${hook.id}: deliveries to its URL will be ${warning}`,
    );
  }
}

const EMPTY_FORM = { name: '', url: '', events: [], headers: [] };

/** The webhooks list and the create form (docs/compatibility.md#console). */
export function hooksListRoutes(hooks: HooksService) {
  const app = new Hono<ConsoleEnv>();

  app.get('/', (c) => c.redirect(consolePaths.hooks, 303));

  app.get('/webhooks', async (c) => {
    const page = parsePage(c.req.query('page'));
    const { items, total } = await hooks.listHooks({
      page: { page, pageSize: HOOKS_PAGE_SIZE },
      includeExecutionStats: true,
    });
    return c.html(<HooksListPage frame={frameOf(c)} hooks={items} page={page} total={total} />);
  });

  app.get('/webhooks/create', (c) => c.html(<CreateHookPage frame={frameOf(c)} values={EMPTY_FORM} />));

  app.post('/webhooks', async (c) => {
    const values = readHookForm(await readForm(c));
    const checked = validateHookForm(values, { withHeaders: false });
    if (checked.errors) {
      return c.html(<CreateHookPage frame={frameOf(c)} values={values} errors={checked.errors} />, 400);
    }
    const { name, url, events } = checked.input;
    try {
      const hook = await hooks.createHook({ name, events, config: { url } });
      await logRefusedTarget(c, hooks, hook);
      return c.redirect(`${consolePaths.settings(hook.id)}?notice=created`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return c.html(
        <CreateHookPage frame={frameOf(c)} values={values} errors={errorsFromService(error)} />,
        400,
      );
    }
  });

  return app;
}
