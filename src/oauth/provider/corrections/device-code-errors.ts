import { ENGINE_NAMES } from './engine-text.js';

const { noCode, notFound, expired, alreadyUsed, aborted } = ENGINE_NAMES.deviceCodeErrors;

/** Why the code page is shown again, in words for the person holding the device. */
const MESSAGES: Record<string, { status: number; text: string }> = {
  [noCode]: { status: 400, text: 'Enter the code shown on your device.' },
  [notFound]: {
    status: 400,
    text: 'That code is not valid. Check the code on your device and try again.',
  },
  [expired]: { status: 400, text: 'That code has expired. Start again on your device.' },
  [alreadyUsed]: {
    status: 400,
    text: 'That code was already used. Start again on your device.',
  },
  [aborted]: { status: 200, text: 'The device was not connected.' },
};

const OTHERWISE = {
  status: 400,
  text: 'The request could not be completed. Start again on your device.',
};

/** What the code page says after the engine refused what was typed there. */
export interface CodePageState {
  /** The code to show in the field again. */
  userCode: string;
  error?: string;
  /** Not an error: the person cancelled on the confirmation page. */
  notice?: string;
  status: number;
  /** A typed code matched none: the brute-force throttle (RFC 8628 §5.1) counts it. */
  wrongCode: boolean;
}

/**
 * Restores RFC 8628 §3.3's user interaction where the engine re-renders its code page: it
 * hands `userCodeInputSource` an error whose name says why (the code is missing, unknown,
 * expired, used, or the person cancelled) and answers 200 with its own English; the page says
 * why in words for the person, a refused code answers 400, and a code that matched none is
 * told apart for the throttle of RFC 8628 §5.1.
 */
export function codePageAfter(err?: Error & { userCode?: string }): CodePageState {
  if (!err) {
    return { userCode: '', status: 200, wrongCode: false };
  }
  const problem = MESSAGES[err.name] ?? OTHERWISE;
  if (err.name === aborted) {
    return { userCode: '', notice: problem.text, status: problem.status, wrongCode: false };
  }
  return {
    userCode: err.userCode ?? '',
    error: problem.text,
    status: problem.status,
    wrongCode: err.name === notFound,
  };
}
