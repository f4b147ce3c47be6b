/**
 * A problem with what a caller asked for (bad input, a conflict, something missing). The CLI
 * prints its message; HTTP layers map it to a 4xx. Anything else reaching the top is a bug.
 */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
}

export class NotFoundError extends UserInputError {}

export class ConflictError extends UserInputError {}
