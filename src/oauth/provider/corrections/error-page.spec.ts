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

  it('an authorization request from an unknown client: the engine renders its error, never redirects', async () => {
    const response = await under.request(
      `${PROVIDER_ROUTES.authorization}?client_id=nobody&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(WEB.redirectUri)}`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(pages.at(-1)).toEqual({
      template: 'error',
      data: {
        title: 'This request cannot be completed',
        message: 'client is invalid',
        code: 'invalid_client',
      },
    });
  });

  it('a redirect URI the client did not register: the same', async () => {
    const response = await under.request(
      `${PROVIDER_ROUTES.authorization}?client_id=${WEB.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://attacker.example/cb')}`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(pages.at(-1)?.data).toMatchObject({ code: 'invalid_redirect_uri' });
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
    });
  });
});
