import type { z } from 'zod';
import { UserInputError } from './errors.js';

/**
 * Input a schema refused. `message` joins the problems in one readable line (the JSON API's
 * `error_description`); `problems` keeps them apart for a page to list.
 */
export class InvalidInput extends UserInputError {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** What a caller sent, validated, or a 400 with every problem in one readable message. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new InvalidInput(
      parsed.error.issues.map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field(s): ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.path.length === 0
            ? 'the body must be a JSON object'
            : issue.message,
      ),
    );
  }
  return parsed.data;
}
