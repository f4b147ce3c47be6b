import type { Configuration } from 'openid-client';
import {
  authorizationRequest,
  discover,
  expectPage,
  oidc,
  signIn,
  type AuthorizationRequest,
} from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';
import { formAction, hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

const REFUSED = 'This form has expired or was not sent by Gatehouse';

/**
 * A sign-in or consent form completes only the interaction it was rendered for: its CSRF token
 * is bound to that interaction (RFC 6749 §10.12), so interaction A's form, hidden fields and
 * all, posted to interaction B's URL in the same browser is refused and B is left as it was.
 */
describe('interaction forms are bound to their interaction', () => {
  const setup = useTestApp();
  let appA: TestClient;
  let appB: TestClient;
  let configA: Configuration;
  let configB: Configuration;

  beforeAll(async () => {
    const { app } = setup;
    appA = await app.createClient({ type: 'web', name: 'App A' });
    appB = await app.createClient({ type: 'web', name: 'App B' });
    configA = await discover(app, appA);
    configB = await discover(app, appB);
  });

  /** Posts `fields` to `action` without following redirects. */
  async function post(
    ua: UserAgent,
    action: string,
    fields: Record<string, string>,
  ): Promise<Response> {
    return ua.raw(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async function expectRefused(response: Response): Promise<void> {
    expect(response.status).toBe(403);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain(REFUSED);
  }

  /** `action` (a form's target) with its interaction uid replaced by the one `other` shows. */
  function retarget(action: string, other: Visit): string {
    const uid = /\/interaction\/([^/]+)\//.exec(formAction(other.body))![1];
    return action.replace(/\/interaction\/[^/]+\//, `/interaction/${uid}/`);
  }

  /** The visit ended at App B's callback with a code for this very request. */
  async function expectCodeForB(visit: Visit, request: AuthorizationRequest) {
    expect(visit.location).toBeDefined();
    const callback = new URL(visit.location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(appB.redirectUri);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(configB, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()?.aud).toBe(appB.clientId);
  }

  it('a sign-in form posted to another interaction is refused, and that one still works', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const requestA = await authorizationRequest(configA, appA);
    const requestB = await authorizationRequest(configB, appB);
    const pageA = await ua.get(requestA.url.href);
    const pageB = await ua.get(requestB.url.href);
    expectPage(pageA, 'Sign in');
    expectPage(pageB, 'Sign in');

    const formA = {
      _csrf: hiddenField(pageA.body, '_csrf'),
      email: user.email,
      password: user.password,
    };
    await expectRefused(await post(ua, retarget(formAction(pageA.body), pageB), formA));
    // Nor may A's Cancel end B.
    await expectRefused(
      await post(ua, retarget(formAction(pageA.body, 'Cancel'), pageB), {
        _csrf: formA._csrf,
      }),
    );

    // B is untouched: its own form signs in and the flow reaches consent, then App B.
    const consentB = await signIn(ua, pageB, user);
    expectPage(consentB, 'App B wants to access your account');
    const done = await ua.postForm(formAction(consentB.body), {
      _csrf: hiddenField(consentB.body, '_csrf'),
    });
    await expectCodeForB(done, requestB);
  });

  it('a consent form posted to another interaction is refused, and that one still works', async () => {
    const { app, user } = setup;
    const ua = new UserAgent(app.issuer);
    const requestA = await authorizationRequest(configA, appA, { prompt: 'consent' });
    const consentA = await signIn(ua, await ua.get(requestA.url.href), user);
    expectPage(consentA, 'App A wants to access your account');
    // Signed in now: B goes straight to its consent page.
    const requestB = await authorizationRequest(configB, appB, { prompt: 'consent' });
    const consentB = await ua.get(requestB.url.href);
    expectPage(consentB, 'App B wants to access your account');

    const csrfA = hiddenField(consentA.body, '_csrf');
    await expectRefused(
      await post(ua, retarget(formAction(consentA.body), consentB), { _csrf: csrfA }),
    );
    await expectRefused(
      await post(ua, retarget(formAction(consentA.body, 'Deny'), consentB), { _csrf: csrfA }),
    );

    // B's consent page is still there and still answers its own form.
    const again = await ua.get(formAction(consentB.body).replace(/\/confirm$/, ''));
    expectPage(again, 'App B wants to access your account');
    const done = await ua.postForm(formAction(consentB.body), {
      _csrf: hiddenField(consentB.body, '_csrf'),
    });
    await expectCodeForB(done, requestB);
  });
});
