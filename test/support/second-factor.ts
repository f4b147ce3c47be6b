import { setTimeout as sleep } from 'node:timers/promises';
import { Secret, TOTP } from 'otpauth';
import { expectPage, signInAt } from './oauth-client.js';
import { submitForm } from './people.js';
import type { TestUser } from './test-app.js';
import type { UserAgent, Visit } from './user-agent.js';

const PERIOD_MS = 30_000;

/**
 * An authenticator app in a test: computes RFC 6238 codes (SHA-1, 6 digits, 30 s) from the
 * secret Gatehouse showed, as a phone would, for the current step or one `steps` away.
 */
export class Authenticator {
  constructor(readonly secret: string) {}

  code(steps = 0): string {
    return new TOTP({
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      secret: Secret.fromBase32(this.secret),
    }).generate({ timestamp: Date.now() + steps * PERIOD_MS });
  }
}

/**
 * Waits, when the current 30-second step ends within `marginMs`, for the next one: a code
 * computed now is then still of the same step when the server checks it.
 */
export async function awayFromStepEdge(marginMs = 3000): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < marginMs) {
    await sleep(left + 50);
  }
}

/** The text of the secret shown on the set-up page, without its grouping spaces. */
export function secretOn(page: Visit): string {
  const match = /<code id="totp-secret"[^>]*>([A-Z2-7 ]+)<\/code>/.exec(page.body);
  if (!match) {
    throw new Error(`no secret on page:\n${page.body.slice(0, 2000)}`);
  }
  return match[1].replace(/ /g, '');
}

/** The recovery codes on the page that shows them once. */
export function recoveryCodesOn(page: Visit): string[] {
  return [...page.body.matchAll(/<li><code>([a-z2-9-]{14})<\/code><\/li>/g)].map((m) => m[1]);
}

export interface Enrolled {
  app: Authenticator;
  recoveryCodes: string[];
}

/**
 * Sets up an authenticator app for `user` in `ua` (signing in first if needed), confirming it
 * with the code of the previous step (one step of drift is allowed) so that the current and
 * next steps' codes remain for the test's sign-ins.
 */
export async function enrolAuthenticator(ua: UserAgent, user: TestUser): Promise<Enrolled> {
  let page = await ua.get('/account/security/authenticator');
  if (page.body.includes('<h1 id="page-title">Sign in</h1>')) {
    page = await signInAt(ua, user, '/account/security/authenticator');
  }
  expectPage(page, 'Set up an authenticator app');
  const app = new Authenticator(secretOn(page));
  await awayFromStepEdge();
  const done = await submitForm(ua, page, { code: app.code(-1) });
  expectPage(done, 'Your recovery codes');
  return { app, recoveryCodes: recoveryCodesOn(done) };
}

/**
 * Answers the second-factor page (as first shown, or again after a wrong code) with `code`
 * from the app and returns the next visit.
 */
export function enterCode(ua: UserAgent, page: Visit, code: string): Promise<Visit> {
  if (!page.body.includes('<h1 id="page-title">Confirm it is you</h1>')) {
    expectPage(page, 'Confirm it is you');
  }
  return submitForm(ua, page, { code });
}
