import type { z } from 'zod';
import { UserInputError } from './errors.js';

/** What a caller sent, validated, or a 400 with every problem in one readable message. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : issue.code === 'invalid_type' && issue.path.length === 0
          ? 'the body must be a JSON object'
          : issue.message,
    );
    throw new UserInputError(problems.join('; '));
  }
  return parsed.data;
}
