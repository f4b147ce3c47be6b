import { redact, restore, type OidcPayload } from './stored-payload.js';

describe('redact', () => {
  const accessToken: OidcPayload = {
    jti: 'secret-token-id',
    kind: 'AccessToken',
    grantId: 'grant-1',
    accountId: 'account-1',
    clientId: 'client-1',
    scope: 'openid drive.read',
    exp: 1_700_000_600,
    iat: 1_700_000_000,
  };

  it.each(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'Session', 'Interaction'])(
    'removes the jti of a %s',
    (kind) => {
      const stored = redact(kind, { ...accessToken, kind });
      expect(stored).not.toHaveProperty('jti');
    },
  );

  it('keeps every other field', () => {
    const { jti, ...rest } = accessToken;
    void jti;
    expect(redact('AccessToken', accessToken)).toEqual(rest);
  });

  it('keeps the jti of a Grant, whose id is not a credential', () => {
    const grant: OidcPayload = { jti: 'grant-1', kind: 'Grant', accountId: 'a', clientId: 'c' };
    expect(redact('Grant', grant)).toEqual(grant);
  });

  it('removes the user code and the consumed mark', () => {
    const deviceCode: OidcPayload = {
      jti: 'device-code',
      kind: 'DeviceCode',
      userCode: 'ABCD-EFGH',
      consumed: 1_700_000_100,
      clientId: 'client-1',
    };
    expect(redact('DeviceCode', deviceCode)).toEqual({ kind: 'DeviceCode', clientId: 'client-1' });
  });

  it('removes the user code and consumed mark of a Grant too', () => {
    expect(redact('Grant', { jti: 'g', userCode: 'U', consumed: 1 })).toEqual({ jti: 'g' });
  });

  it('removes the session cookie of an Interaction but keeps the rest of its session', () => {
    const interaction: OidcPayload = {
      jti: 'interaction-uid',
      kind: 'Interaction',
      uid: 'interaction-uid',
      session: {
        uid: 'session-uid',
        cookie: 'session-cookie-value',
        acr: 'urn:mace:incommon:iap:silver',
        amr: ['pwd'],
        accountId: 'account-1',
      },
      params: { client_id: 'client-1' },
    };
    const stored = redact('Interaction', interaction);
    expect(stored.session).toEqual({
      uid: 'session-uid',
      acr: 'urn:mace:incommon:iap:silver',
      amr: ['pwd'],
      accountId: 'account-1',
    });
    expect(stored.uid).toBe('interaction-uid');
    expect(stored.params).toEqual({ client_id: 'client-1' });
    expect(JSON.stringify(stored)).not.toContain('session-cookie-value');
  });

  it('leaves a session without a cookie as it is', () => {
    const payload: OidcPayload = { kind: 'Interaction', session: { uid: 'u', accountId: 'a' } };
    expect(redact('Interaction', payload).session).toEqual({ uid: 'u', accountId: 'a' });
  });

  it('does not modify the payload it is given', () => {
    const interaction: OidcPayload = {
      jti: 'interaction-uid',
      userCode: 'CODE',
      consumed: 5,
      session: { uid: 'session-uid', cookie: 'cookie-value' },
    };
    const copy = structuredClone(interaction);
    redact('Interaction', interaction);
    expect(interaction).toEqual(copy);
  });

  it('produces JSON that round-trips through restore', () => {
    const stored = JSON.stringify(redact('AccessToken', accessToken));
    expect(restore(stored, { jti: 'secret-token-id' }, null)).toEqual(accessToken);
  });
});

describe('restore', () => {
  const stored = JSON.stringify({ kind: 'AuthorizationCode', grantId: 'grant-1', exp: 100 });

  it('parses the stored JSON', () => {
    expect(restore(stored, {}, null)).toEqual({
      kind: 'AuthorizationCode',
      grantId: 'grant-1',
      exp: 100,
    });
  });

  it('puts back the jti the caller looked the row up by', () => {
    expect(restore(stored, { jti: 'code-value' }, null).jti).toBe('code-value');
  });

  it('puts back the user code the caller looked the row up by', () => {
    expect(restore(stored, { userCode: 'ABCD-EFGH' }, null).userCode).toBe('ABCD-EFGH');
  });

  it('leaves jti and userCode out when the caller did not know them', () => {
    const payload = restore(stored, {}, null);
    expect(payload).not.toHaveProperty('jti');
    expect(payload).not.toHaveProperty('userCode');
  });

  it('overrides a jti stored in the payload with the one looked up', () => {
    const grant = JSON.stringify({ kind: 'Grant', jti: 'grant-1' });
    expect(restore(grant, { jti: 'grant-1' }, null).jti).toBe('grant-1');
    expect(restore(grant, {}, null).jti).toBe('grant-1');
  });

  it('converts consumedAt milliseconds into `consumed` epoch seconds, rounding down', () => {
    expect(restore(stored, {}, 1_700_000_000_999).consumed).toBe(1_700_000_000);
    expect(restore(stored, {}, 1_700_000_001_000).consumed).toBe(1_700_000_001);
  });

  it('leaves `consumed` out for a row that was never consumed', () => {
    expect(restore(stored, {}, null)).not.toHaveProperty('consumed');
  });

  it('treats a consumedAt of 0 as consumed', () => {
    expect(restore(stored, {}, 0).consumed).toBe(0);
  });
});

describe('an Interaction returnTo URL, which embeds the interaction uid', () => {
  const interaction: OidcPayload = {
    jti: 'uid-123',
    kind: 'Interaction',
    returnTo: 'https://id.example.com/oauth/authorize/uid-123',
  };

  it('is stored without the uid', () => {
    const stored = redact('Interaction', interaction);
    expect(JSON.stringify(stored)).not.toContain('uid-123');
    expect(stored.returnTo).toBe('https://id.example.com/oauth/authorize/{{id}}');
  });

  it('gets the uid back when found by id', () => {
    const stored = JSON.stringify(redact('Interaction', interaction));
    expect(restore(stored, { jti: 'uid-123' }, null)).toEqual(interaction);
  });
});
