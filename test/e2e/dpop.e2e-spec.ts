import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { apiMetadata, callApi, postForm } from '../support/api.js';
import { approve, authorizationRequest, discover, oidc } from '../support/oauth-client.js';
import { useTestApp } from '../support/e2e.js';
import type { TestClient } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

const ALGS = 'algs="ES256 PS256 RS256 EdDSA"';

type KeyPair = Awaited<ReturnType<typeof oidc.randomDPoPKeyPair>>;

/**
 * Sender-constrained tokens (DPoP, RFC 9449) for browser and native apps: openid-client gets a
 * DPoP-bound token and calls the Drive with proofs; the resource guard refuses the same token
 * without a proof, with a proof by another key, for another request, or replayed.
 */
describe.each(['jwt', 'opaque'])('DPoP-bound access tokens (%s)', (format) => {
  const setup = useTestApp({ env: { ACCESS_TOKEN_FORMAT: format } });
  let spa: TestClient;
  let config: oidc.Configuration;
  let keyPair: KeyPair;
  let token: string;
  const url = () => new URL(setup.app.url('/api/drive/files'));

  beforeAll(async () => {
    const { app, user } = setup;
    spa = await app.createClient({ type: 'spa', redirectUris: ['https://spa.example.com/cb'] });
    config = await discover(app, spa);
    keyPair = await oidc.randomDPoPKeyPair();
    const request = await authorizationRequest(config, spa, { scope: 'openid drive.read' });
    const callback = await approve(new UserAgent(app.issuer), request, user);
    const tokens = await oidc.authorizationCodeGrant(
      config,
      callback,
      {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      },
      undefined,
      { DPoP: oidc.getDPoPHandle(config, keyPair) },
    );
    expect(tokens.token_type).toBe('dpop');
    token = tokens.access_token;
  });

  /** A proof made by hand, to get every part of it wrong on purpose. */
  async function proof(
    claims: Partial<{ htm: string; htu: string; ath: string; jti: string; iat: number }> = {},
    keys: KeyPair = keyPair,
  ): Promise<string> {
    const { kty, crv, x, y } = await exportJWK(keys.publicKey);
    return new SignJWT({
      htm: 'GET',
      htu: url().href,
      ath: createHash('sha256').update(token).digest('base64url'),
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } })
      .setIssuedAt(claims.iat)
      .sign(keys.privateKey);
  }

  const withProof = async (dpop: string | undefined, scheme = 'DPoP') =>
    callApi(setup.app, '/api/drive/files', {
      headers: { authorization: `${scheme} ${token}`, ...(dpop ? { dpop } : {}) },
    });

  it('works with proofs by its key (openid-client), request after request', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await oidc.fetchProtectedResource(
        config,
        token,
        url(),
        'GET',
        undefined,
        undefined,
        {
          DPoP: oidc.getDPoPHandle(config, keyPair),
        },
      );
      expect(response.status).toBe(200);
    }
  });

  it('is refused as a plain bearer token, with a DPoP challenge', async () => {
    const { app } = setup;
    const response = await callApi(app, '/api/drive/files', { token });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `DPoP realm="gatehouse", error="invalid_token", error_description="The access token is bound to a DPoP key: send it as DPoP, with a proof", ${ALGS}, resource_metadata="${apiMetadata(app.issuer)}"`,
    );
  });

  it.each([
    ['no proof', undefined, 'A DPoP proof is required'],
    ['a proof for another method', { htm: 'POST' }, 'The DPoP proof is for another method'],
    [
      'a proof for another URL',
      { htu: 'https://elsewhere.example.com/api/drive/files' },
      'The DPoP proof is for another URL',
    ],
    [
      'a proof for another token',
      { ath: 'x'.repeat(43) },
      'The DPoP proof is for another access token',
    ],
    ['a stale proof', { iat: Math.floor(Date.now() / 1000) - 600 }, 'The DPoP proof is invalid'],
  ])('is refused with %s', async (_label, claims, description) => {
    const response = await withProof(claims === undefined ? undefined : await proof(claims));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `DPoP realm="gatehouse", error="invalid_dpop_proof", error_description="${description}", ${ALGS}, resource_metadata="${apiMetadata(setup.app.issuer)}"`,
    );
    expect(response.body).toEqual({ error: 'invalid_dpop_proof', error_description: description });
  });

  it('is refused with a proof by another key, and with a replayed proof', async () => {
    const { app } = setup;
    const otherKeys = await oidc.randomDPoPKeyPair();
    const foreign = await withProof(await proof({}, otherKeys));
    expect(foreign.status).toBe(401);
    expect(foreign.body).toMatchObject({
      error_description: 'The DPoP proof is signed with another key than the token is bound to',
    });

    const once = await proof();
    expect((await withProof(once)).status).toBe(200);
    const replayed = await withProof(once);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ error_description: 'The DPoP proof was used before' });

    // Another instance on the same database refuses it too (RFC 9449 §11.1).
    const another = await app.startAnotherInstance();
    try {
      const elsewhere = await fetch(`${another.origin}/api/drive/files`, {
        headers: { authorization: `DPoP ${token}`, dpop: once },
      });
      expect(elsewhere.status).toBe(401);
      expect(await elsewhere.json()).toMatchObject({
        error_description: 'The DPoP proof was used before',
      });
    } finally {
      await another.close();
    }
  });

  it('introspection says it is DPoP-bound, and to which key (RFC 9449 §6.2)', async () => {
    const { app } = setup;
    const rs = await app.createClient({ type: 'service', introspection: true });
    const response = await postForm(app, '/oauth/introspect', { token }, rs);
    expect(response.status).toBe(200);
    const { calculateJwkThumbprint } = await import('jose');
    expect(response.body).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)) },
    });
  });

  it('a token that is not bound is refused as DPoP', async () => {
    const { app, user } = setup;
    const web = await app.createClient({ type: 'web' });
    const webConfig = await discover(app, web);
    const request = await authorizationRequest(webConfig, web, { scope: 'openid drive.read' });
    const callback = await approve(new UserAgent(app.issuer), request, user);
    const bearer = (
      await oidc.authorizationCodeGrant(webConfig, callback, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      })
    ).access_token;
    const response = await callApi(app, '/api/drive/files', {
      headers: { authorization: `DPoP ${bearer}`, dpop: await proof() },
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({
      error: 'invalid_token',
      error_description: 'The access token is not bound to a DPoP key',
    });
    expect((await callApi(app, '/api/drive/files', { token: bearer })).status).toBe(200);
  });
});
