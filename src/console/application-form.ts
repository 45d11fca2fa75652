import { APPLICATION_TYPES, type ApplicationType } from '../domain/applications.js';
import type { CreateApplicationInput } from '../services/applications.js';
import type { FormValues } from './form-values.js';
import type { FormErrors } from './forms.js';

/** The create-application form as typed, so a refused form shows it again. */
export interface ApplicationFormValues {
  readonly name: string;
  readonly type: string;
  readonly description: string;
  readonly redirectUris: string;
  readonly postLogoutRedirectUris: string;
}

export const EMPTY_APPLICATION_FORM: ApplicationFormValues = {
  name: '',
  type: '',
  description: '',
  redirectUris: '',
  postLogoutRedirectUris: '',
};

/** What each type is for, in the words the form shows beside the choice. */
export const APPLICATION_TYPE_TEXT: Record<ApplicationType, { label: string; hint: string }> = {
  Traditional: {
    label: 'Traditional web',
    hint: 'A server-rendered site; keeps a client secret on the server.',
  },
  SPA: { label: 'Single-page app', hint: 'Runs in the browser; a public client without a secret.' },
  Native: { label: 'Native', hint: 'A mobile or desktop app; a public client without a secret.' },
  MachineToMachine: {
    label: 'Machine-to-machine',
    hint: 'A service calling APIs on its own behalf, with a client secret; signs no user in.',
  },
};

const MAX_NAME = 256;
const MAX_DESCRIPTION = 2048;
const MAX_URIS = 20;
const MAX_URI = 2048;

export function readApplicationForm(form: FormValues): ApplicationFormValues {
  return {
    name: form.get('name').trim(),
    type: form.get('type'),
    description: form.get('description').trim(),
    redirectUris: form.get('redirectUris'),
    postLogoutRedirectUris: form.get('postLogoutRedirectUris'),
  };
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** The problem with a list of URIs, one per line, or undefined. */
function uriListProblem(uris: readonly string[], what: string): string | undefined {
  if (uris.length > MAX_URIS) return `Enter at most ${MAX_URIS} ${what}.`;
  const bad = uris.find((uri) => uri.length > MAX_URI || !URL.canParse(uri));
  if (bad !== undefined)
    return `${bad.slice(0, 80)} is not an absolute URI (for example https://app.example/callback).`;
  return undefined;
}

/** Checks the form; either errors by field id, or the service's input. */
export function validateApplicationForm(
  values: ApplicationFormValues,
): { errors: FormErrors; input?: undefined } | { errors?: undefined; input: CreateApplicationInput } {
  const fields: Record<string, string> = {};
  if (values.name === '') fields.name = 'Enter a name for the application.';
  else if (values.name.length > MAX_NAME) fields.name = `The name must be at most ${MAX_NAME} characters.`;
  const type = (APPLICATION_TYPES as readonly string[]).includes(values.type)
    ? (values.type as ApplicationType)
    : undefined;
  if (!type) fields['type-Traditional'] = 'Choose the type of application.';
  if (values.description.length > MAX_DESCRIPTION) {
    fields.description = `The description must be at most ${MAX_DESCRIPTION} characters.`;
  }
  const redirectUris = lines(values.redirectUris);
  const postLogoutRedirectUris = lines(values.postLogoutRedirectUris);
  const redirectProblem = uriListProblem(redirectUris, 'redirect URIs');
  if (redirectProblem) fields.redirectUris = redirectProblem;
  const logoutProblem = uriListProblem(postLogoutRedirectUris, 'post sign-out redirect URIs');
  if (logoutProblem) fields.postLogoutRedirectUris = logoutProblem;
  if (type === 'MachineToMachine' && (redirectUris.length > 0 || postLogoutRedirectUris.length > 0)) {
    fields.redirectUris = 'Machine-to-machine applications sign no user in; leave the redirect URIs empty.';
  }
  if (Object.keys(fields).length > 0 || !type) return { errors: { fields } };
  return {
    input: {
      name: values.name,
      type,
      description: values.description || null,
      oidcClientMetadata: { redirectUris, postLogoutRedirectUris },
    },
  };
}
