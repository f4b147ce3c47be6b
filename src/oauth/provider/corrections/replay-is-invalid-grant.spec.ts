import { createHash } from 'node:crypto';
import {
  DEVICE,
  DEVICE_CODE_GRANT,
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { ENGINE_TEXT } from './engine-text.js';
import { replayError } from './replay-is-invalid-grant.js';

const VERIFIER = 'a-code-verifier-long-enough-for-pkce-0123456789';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

/** What the client is told of any invalid_grant. */
const INVALID_GRANT = { error: 'invalid_grant', error_description: 'grant request is invalid' };

describe('replayError, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  /** The details of the engine's `grant.error` events. */
  const details: unknown[] = [];

  beforeAll(async () => {
    under = await startEngine({ configuration: { rotateRefreshToken: true } });
    under.engine.on('grant.error', (_ctx: unknown, error: { error_detail?: string }) =>
      details.push(error.error_detail),
    );
  });
  afterAll(() => under.close());
  beforeEach(() => {
    details.length = 0;
  });

  async function grantFor(clientId: string): Promise<string> {
    const grant = new under.engine.Grant({ accountId: 'user-1', clientId });
    grant.addOIDCScope('openid');
    return grant.save();
  }

  async function refreshToken(): Promise<string> {
    return new under.engine.RefreshToken({
      client: (await under.engine.Client.find(WEB.id))!,
      accountId: 'user-1',
      grantId: await grantFor(WEB.id),
      gty: 'authorization_code',
      scope: 'openid',
    }).save();
  }

  const refresh = (token: string) =>
    under.request(PROVIDER_ROUTES.token, {
      basic: WEB,
      form: { grant_type: 'refresh_token', refresh_token: token },
    });

  it('a refresh token used twice: the engine says invalid_grant, and announces the detail the audit trail matches', async () => {
    const token = await refreshToken();
    expect((await refresh(token)).status).toBe(200);
    const replay = await refresh(token);
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual(INVALID_GRANT);
    expect(details).toEqual([ENGINE_TEXT.replayed.RefreshToken]);
  });

  it('a replay the adapter catches (a race) is answered and announced alike', async () => {
    const token = await refreshToken();
    const adapter = under.engine.RefreshToken.adapter;
    const consume = adapter.consume.bind(adapter);
    adapter.consume = () => Promise.reject(replayError('RefreshToken'));
    try {
      const replay = await refresh(token);
      expect(replay.status).toBe(400);
      expect(replay.json).toEqual(INVALID_GRANT);
      expect(details).toEqual([ENGINE_TEXT.replayed.RefreshToken]);
    } finally {
      adapter.consume = consume;
    }
  });

  it('an authorization code used twice: the engine’s detail is the adapter’s', async () => {
    const code = new under.engine.AuthorizationCode({
      client: (await under.engine.Client.find(WEB.id))!,
      accountId: 'user-1',
      grantId: await grantFor(WEB.id),
      gty: 'authorization_code',
      scope: 'openid',
      redirectUri: WEB.redirectUri,
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
    });
    const value = await code.save();
    await code.consume();
    const replay = await under.request(PROVIDER_ROUTES.token, {
      basic: WEB,
      form: {
        grant_type: 'authorization_code',
        code: value,
        redirect_uri: WEB.redirectUri,
        code_verifier: VERIFIER,
      },
    });
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual(INVALID_GRANT);
    expect(details).toEqual([ENGINE_TEXT.replayed.AuthorizationCode]);
  });

  it('a device code used twice: the engine’s detail is the adapter’s', async () => {
    const code = new under.engine.DeviceCode({
      client: (await under.engine.Client.find(DEVICE.id))!,
      accountId: 'user-1',
      grantId: await grantFor(DEVICE.id),
      scope: 'openid',
      params: { client_id: DEVICE.id, scope: 'openid' },
      userCode: 'BCDFGHJK',
      deviceInfo: {},
    });
    const value = await code.save();
    await code.consume();
    const replay = await under.request(PROVIDER_ROUTES.token, {
      form: { client_id: DEVICE.id, grant_type: DEVICE_CODE_GRANT, device_code: value },
    });
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual(INVALID_GRANT);
    expect(details).toEqual([ENGINE_TEXT.replayed.DeviceCode]);
  });

  it('is an invalid_grant with that detail for each kind', () => {
    for (const [kind, detail] of Object.entries(ENGINE_TEXT.replayed)) {
      expect(replayError(kind)).toMatchObject({ error: 'invalid_grant', error_detail: detail });
    }
    expect(replayError('Other')).toMatchObject({ error_detail: 'grant already used' });
  });
});
