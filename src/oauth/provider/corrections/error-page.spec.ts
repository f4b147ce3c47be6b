import {
  recordingViews,
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import type { KoaContextWithOIDC } from '../engine.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { errorPage } from './error-page.js';

describe('errorPage, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  const { views, pages } = recordingViews();
  beforeAll(async () => {
    under = await startEngine({ configuration: { renderError: errorPage(views) } });
  });
  afterAll(() => under.close());

  const authorize = (clientId: string, redirectUri: string, extra = '') =>
    `${PROVIDER_ROUTES.authorization}?client_id=${clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(redirectUri)}${extra}`;

  it('an authorization request from an unknown client: the engine renders its error, never redirects', async () => {
    const response = await under.request(authorize('nobody', WEB.redirectUri));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(pages.at(-1)).toEqual({
      template: 'error',
      data: {
        title: 'Unknown application',
        message:
          'The application that sent you here is not registered, so you cannot sign in to it from here. Go back to it and try again; if this keeps happening, tell its developers.',
        code: 'invalid_client',
        // The engine's own words, for developers (under "Details").
        detail: 'client is invalid',
        links: [{ url: '/account', label: 'Go to your account' }],
      },
    });
  });

  it('a redirect URI the client did not register: plain words, the protocol text under details', async () => {
    const response = await under.request(authorize(WEB.id, 'https://attacker.example/cb'));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(pages.at(-1)?.data).toMatchObject({
      title: 'Redirect not registered',
      code: 'invalid_redirect_uri',
      detail: "redirect_uri did not match any of the client's registered redirect_uris",
      links: [{ url: '/account', label: 'Go to your account' }],
    });
    expect(JSON.stringify(pages.at(-1)?.data)).not.toContain('attacker.example');
  });

  it('any other refusal: names the application, and offers its registered homepage', () => {
    const ctx = {
      oidc: {
        client: { clientId: 'notes', clientName: 'Notes', clientUri: 'https://notes.example' },
      },
    } as unknown as KoaContextWithOIDC;
    void errorPage(views)(
      ctx,
      { error: 'invalid_request', error_description: 'bad prompt' },
      new Error('bad prompt'),
    );
    expect(pages.at(-1)?.data).toEqual({
      title: 'The request cannot be completed',
      message:
        'Notes sent a request that cannot be accepted, so nothing happened. Go back to it and try again; if this keeps happening, tell its developers.',
      code: 'invalid_request',
      detail: 'bad prompt',
      links: [
        { url: 'https://notes.example', label: 'Back to Notes' },
        { url: '/account', label: 'Go to your account' },
      ],
    });
  });

  it('a server_error shows no detail', () => {
    const ctx = {} as KoaContextWithOIDC;
    void errorPage(views)(
      ctx,
      { error: 'server_error', error_description: 'oops! something went wrong' },
      new Error('bug'),
    );
    expect(ctx.type).toBe('html');
    expect(pages.at(-1)?.data).toEqual({
      title: 'Something went wrong',
      message: 'The server could not complete the request. Please try again later.',
      code: 'server_error',
      links: [{ url: '/', label: 'Go to the home page' }],
    });
  });
});
