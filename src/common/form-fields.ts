import { UserInputError } from './errors.js';
import { InvalidInput } from './parse-input.js';

/**
 * An HTML form as Fastify parses an urlencoded post: every field a string, a field sent more
 * than once (a group of checkboxes) an array of them, and an unticked checkbox not sent at all.
 * These readers turn it into the input the JSON API's zod schemas take, so that a page and the
 * API are validated by the same rules.
 */
export type FormFields = Record<string, unknown> | undefined;

/** A text field, or undefined. The values of a repeated field are joined by spaces. */
export function text(form: FormFields, name: string): string | undefined {
  const value = form?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(' ') : undefined;
}

/** A field that must be sent once: undefined when absent or repeated (no value to choose). */
export function single(form: FormFields, name: string): string | undefined {
  const value = form?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every value sent under a name, such as the ticked boxes of a group. */
export function all(form: FormFields, name: string): string[] {
  return [form?.[name]].flat().filter((value): value is string => typeof value === 'string');
}

/** A textarea of one entry per line: trimmed, blank lines left out. */
export function lines(form: FormFields, name: string): string[] {
  return (text(form, name) ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Whether a checkbox was ticked (browsers send `on` for a box without a value). */
export function ticked(form: FormFields, name: string): boolean {
  return text(form, name) === 'on';
}

/**
 * What a refused form lists, one problem per item: a schema's problems, or the lines of a
 * service's message (services put one problem per line).
 */
export function problemsOf(error: UserInputError): string[] {
  return error instanceof InvalidInput ? error.problems : error.message.split('\n');
}
