import { Hono } from 'hono';
import type { ApplicationsService } from '../../services/applications.js';
import { EMPTY_APPLICATION_FORM, readApplicationForm, validateApplicationForm } from '../application-form.js';
import { frameOf, type ConsoleContext, type ConsoleEnv } from '../context.js';
import { readForm } from '../form-values.js';
import { formErrorFrom } from '../forms.js';
import { consolePaths } from '../paths.js';
import { parsePage } from '../query.js';
import { ApplicationDetailsPage } from '../pages/applications/application-details.js';
import {
  APPLICATIONS_PAGE_SIZE,
  ApplicationsListPage,
  CreateApplicationPage,
} from '../pages/applications/applications.js';
import { ConfirmPage } from '../pages/confirm.js';

/**
 * Applications: list, create by type, details, secret rotation, delete. Applications emit no webhook
 * event (as in Logto), so there is no event to match here.
 */
export function applicationsRoutes({ applications }: { applications: ApplicationsService }) {
  const app = new Hono<ConsoleEnv>();

  app.get('/applications', async (c) => {
    const page = parsePage(c.req.query('page'));
    const { items, total } = await applications.listApplications(
      {},
      { page, pageSize: APPLICATIONS_PAGE_SIZE },
    );
    return c.html(<ApplicationsListPage frame={frameOf(c)} applications={items} page={page} total={total} />);
  });

  app.get('/applications/create', (c) =>
    c.html(<CreateApplicationPage frame={frameOf(c)} values={EMPTY_APPLICATION_FORM} />),
  );

  app.post('/applications', async (c) => {
    const values = readApplicationForm(await readForm(c));
    const checked = validateApplicationForm(values);
    if (checked.errors) {
      return c.html(
        <CreateApplicationPage frame={frameOf(c)} values={values} errors={checked.errors} />,
        400,
      );
    }
    let created;
    try {
      created = await applications.createApplication(checked.input);
    } catch (error) {
      const errors = formErrorFrom(error);
      return c.html(<CreateApplicationPage frame={frameOf(c)} values={values} errors={errors} />, 400);
    }
    if (created.secret === undefined) {
      return c.redirect(`${consolePaths.application(created.id)}?notice=application-created`, 303);
    }
    // Rendered, not redirected: the secret must not travel in a URL or be stored to show it later.
    const details = await applications.getApplication(created.id);
    return c.html(
      <ApplicationDetailsPage
        frame={{ ...frameOf(c), notice: `The application ${created.name} has been created.` }}
        application={details}
        secret={created.secret}
      />,
      201,
    );
  });

  app.get('/applications/:id', async (c) => {
    const application = await applications.getApplication(c.req.param('id'));
    return c.html(
      <ApplicationDetailsPage frame={frameOf(c, { name: application.name })} application={application} />,
    );
  });

  const confirm = (which: 'rotate' | 'delete') => async (c: ConsoleContext) => {
    const application = await applications.getApplication(c.req.param('id') ?? '');
    const path = consolePaths.application(application.id);
    const confirmation =
      which === 'rotate'
        ? {
            title: 'Rotate secret',
            message: `Replace the secret of "${application.name}"? The current secret stops working at once; the new one is shown once on the next page.`,
            action: `${path}/secret/rotate`,
            confirmLabel: 'Rotate secret',
            cancelHref: path,
            isDanger: true,
          }
        : {
            title: 'Delete application',
            message: `Delete "${application.name}"? It can no longer sign users in or get tokens, and it leaves every organization. This cannot be undone.`,
            action: `${path}/delete`,
            confirmLabel: 'Delete application',
            cancelHref: path,
            isDanger: true,
          };
    return c.html(<ConfirmPage frame={frameOf(c)} confirmation={confirmation} />);
  };

  app.get('/applications/:id/secret/rotate', confirm('rotate'));
  app.post('/applications/:id/secret/rotate', async (c) => {
    const { secret } = await applications.rotateSecret(c.req.param('id'));
    const application = await applications.getApplication(c.req.param('id'));
    return c.html(
      <ApplicationDetailsPage
        frame={{ ...frameOf(c), notice: 'The secret has been rotated.' }}
        application={application}
        secret={secret}
      />,
    );
  });

  app.get('/applications/:id/delete', confirm('delete'));
  app.post('/applications/:id/delete', async (c) => {
    await applications.deleteApplication(c.req.param('id'));
    return c.redirect(`${consolePaths.applications}?notice=application-deleted`, 303);
  });

  return app;
}
