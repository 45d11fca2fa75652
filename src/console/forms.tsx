import type { Child } from 'hono/jsx';
import { AppError } from '../shared/errors.js';
import { describedBy, Field } from './components.js';

/** A refused form's problems: one per field (by input id), and one for the whole form. */
export interface FormErrors {
  readonly fields: Record<string, string>;
  readonly form?: string | undefined;
}

export const hasErrors = (errors: FormErrors) => Object.keys(errors.fields).length > 0 || !!errors.form;

/** The list of problems at the top of a refused form, each linking to its field. */
export function FormAlert({ errors, intro }: { errors: FormErrors | undefined; intro: string }) {
  if (!errors || !hasErrors(errors)) return null;
  const entries = Object.entries(errors.fields);
  return (
    <div class="alert" role="alert" data-testid="error">
      {errors.form ?? intro}
      {entries.length > 0 ? (
        <ul>
          {entries.map(([field, message]) => (
            <li>
              <a href={`#${field}`}>{message}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A labelled one-line input with its hint and error, wired for screen readers. */
export function TextInput({
  id,
  name = id,
  label,
  value,
  hint,
  errors,
  type = 'text',
  required = false,
  maxLength,
  placeholder,
}: {
  id: string;
  name?: string;
  label: string;
  value: string;
  hint?: string;
  errors?: FormErrors | undefined;
  type?: 'text' | 'email' | 'tel' | 'url' | 'search';
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
}) {
  const error = errors?.fields[id];
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <input
        type={type}
        id={id}
        name={name}
        value={value}
        required={required}
        maxlength={maxLength}
        placeholder={placeholder}
        autocomplete="off"
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, hint !== undefined, error)}
      />
    </Field>
  );
}

/** A labelled textarea, same wiring as TextInput. */
export function TextArea({
  id,
  label,
  value,
  hint,
  errors,
  rows = 3,
}: {
  id: string;
  label: string;
  value: string;
  hint?: string;
  errors?: FormErrors | undefined;
  rows?: number;
}) {
  const error = errors?.fields[id];
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <textarea
        id={id}
        name={id}
        rows={rows}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, hint !== undefined, error)}
      >
        {value}
      </textarea>
    </Field>
  );
}

/**
 * A service's refusal of a form (name in use, an id that vanished meanwhile) as a form error, or
 * the error again when it is not one a person can fix by editing the form.
 */
export function formErrorFrom(error: unknown, field?: string): FormErrors {
  if (!(error instanceof AppError) || error.status >= 500) throw error;
  return field ? { fields: { [field]: error.message } } : { fields: {}, form: error.message };
}

export function Section({ title, id, children }: { title: string; id: string; children?: Child }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
