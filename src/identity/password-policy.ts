import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/** NIST SP 800-63B §5.1.1.2: at least 8 characters, and room for passphrases. */
export const PASSWORD_MIN_LENGTH = 8;
/** A generous cap, which also bounds the work of hashing (argon2id) and estimating. */
export const PASSWORD_MAX_LENGTH = 256;
/** zxcvbn's "safely unguessable: moderate protection from offline slow-hash scenario" (of 0-4). */
const MIN_SCORE = 3;

let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * zxcvbn-ts with its common and English dictionaries (passwords, names, words, keyboard
 * patterns): several megabytes, so loaded on the first password chosen, not at start.
 */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  })();
  return estimator;
}

/**
 * Why a password someone chooses is refused, or undefined when it is fine. No composition
 * rules (NIST SP 800-63B §5.1.1.2): a length between 8 and 256 characters, and not common,
 * breached-looking or easy to guess from a dictionary, a keyboard pattern, a date, repetition
 * or the person's own email and name (`personal`).
 */
export async function passwordProblem(
  password: string,
  personal: (string | null | undefined)[] = [],
): Promise<string | undefined> {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  }
  const inputs = personal
    .filter((value): value is string => Boolean(value))
    .flatMap((value) => [value, ...value.split(/[@.\s]+/)])
    .filter((value) => value.length >= 3);
  const result = (await loadEstimator()).check(password, inputs);
  if (result.score >= MIN_SCORE) {
    return undefined;
  }
  const warning = result.feedback.warning ? `${result.feedback.warning} ` : '';
  return `This password is too easy to guess. ${warning}Try a longer phrase of several unrelated words.`;
}
