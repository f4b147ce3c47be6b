import { z } from 'zod';
import { type FormFields, single } from '../common/form-fields.js';
import { UserInputError } from '../common/errors.js';
import { PASSWORD_MAX_LENGTH } from '../identity/password-policy.js';

/**
 * The fields of the people pages' forms, checked before anything is looked up or stored. A
 * refused form is shown again with every problem and what was typed (never the password).
 */
const name = z
  .string()
  .trim()
  .min(1, 'Enter your name.')
  .max(200, 'Use at most 200 characters for your name.');
const email = z
  .string()
  .trim()
  .min(1, 'Enter your email address.')
  .max(320, 'That email address is too long.')
  .pipe(z.email('Enter a valid email address, such as name@example.com.'));
// The policy (passwordProblem) says the rest; the cap here bounds the work before it runs.
const password = z
  .string()
  .min(1, 'Choose a password.')
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`);

export const signUpForm = z.object({ name, email, password });
export const emailForm = z.object({ email });
export const passwordForm = z.object({ password });
export const invitationForm = z.object({ name, password });

/** A form's fields, or the problems with them. */
export function readForm<T extends z.ZodType>(
  schema: T,
  form: FormFields,
  fields: string[],
): { ok: true; value: z.output<T> } | { ok: false; problems: string[] } {
  const input = Object.fromEntries(fields.map((field) => [field, single(form, field) ?? '']));
  const parsed = schema.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, problems: [...new Set(parsed.error.issues.map((issue) => issue.message))] };
}

/** What a refused form shows again: the text fields as typed (bounded), never a password. */
export function keptValues(form: FormFields, fields: string[]): Record<string, string> {
  return Object.fromEntries(
    fields.map((field) => [field, (single(form, field) ?? '').slice(0, 1000)]),
  );
}

/** The problems a service's refusal names, as sentences for a page. */
export function pageProblems(error: UserInputError): string[] {
  const message = error.message.replace(/^password: /, '');
  return [message.charAt(0).toUpperCase() + message.slice(1)];
}
