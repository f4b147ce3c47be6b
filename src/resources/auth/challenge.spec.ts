import { bearerErrorBody, formatChallenge, statusFor } from './challenge.js';
import {
  EXPIRED_TOKEN,
  INVALID_TOKEN,
  InvalidAccessToken,
} from '../../tokens/access-token-context.js';

describe('formatChallenge', () => {
  it('has only the realm when the request had no credentials (RFC 6750 §3.1)', () => {
    expect(formatChallenge('example')).toBe('Bearer realm="example"');
  });

  it('names the resource metadata last, with or without an error (RFC 9728 §5.1)', () => {
    const metadata = 'https://id.example.com/.well-known/oauth-protected-resource/mcp';
    expect(formatChallenge('example', undefined, metadata)).toBe(
      `Bearer realm="example", resource_metadata="${metadata}"`,
    );
    expect(
      formatChallenge('example', { error: 'insufficient_scope', scope: ['drive.write'] }, metadata),
    ).toBe(
      `Bearer realm="example", error="insufficient_scope", scope="drive.write", resource_metadata="${metadata}"`,
    );
    expect(() => formatChallenge('example', undefined, 'https://x.example/"a"')).toThrow(
      RangeError,
    );
    expect(() => formatChallenge('example', undefined, 'https://x.example/a b')).toThrow(
      RangeError,
    );
  });

  it('speaks DPoP for a DPoP-bound token or its proof, with the accepted algs (RFC 9449 §7.1)', () => {
    expect(
      formatChallenge('example', {
        error: 'invalid_dpop_proof',
        description: 'The DPoP proof was used before',
        scheme: 'DPoP',
        algs: ['ES256', 'PS256'],
      }),
    ).toBe(
      'DPoP realm="example", error="invalid_dpop_proof", error_description="The DPoP proof was used before", algs="ES256 PS256"',
    );
    expect(statusFor('invalid_dpop_proof')).toBe(401);
    expect(() =>
      formatChallenge('example', { error: 'invalid_token', scheme: 'DPoP', algs: ['ES 256'] }),
    ).toThrow(RangeError);
  });

  it('matches the RFC 6750 §3 example for an expired token', () => {
    expect(
      formatChallenge('example', {
        error: 'invalid_token',
        description: 'The access token expired',
      }),
    ).toBe(
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
    );
  });

  it.each(['invalid_request', 'invalid_token', 'insufficient_scope'] as const)(
    'emits error=%s without a description when none is given',
    (error) => {
      expect(formatChallenge('example', { error })).toBe(
        `Bearer realm="example", error="${error}"`,
      );
    },
  );

  it('lists the required scopes, space-separated, for insufficient_scope', () => {
    expect(
      formatChallenge('example', {
        error: 'insufficient_scope',
        description: 'The request requires higher privileges than provided by the access token',
        scope: ['drive.read', 'drive.write'],
      }),
    ).toBe(
      'Bearer realm="example", error="insufficient_scope", error_description="The request ' +
        'requires higher privileges than provided by the access token", scope="drive.read drive.write"',
    );
  });

  it('adds a single scope and omits an empty scope list', () => {
    expect(formatChallenge('r', { error: 'insufficient_scope', scope: ['openid'] })).toBe(
      'Bearer realm="r", error="insufficient_scope", scope="openid"',
    );
    expect(formatChallenge('r', { error: 'insufficient_scope', scope: [] })).toBe(
      'Bearer realm="r", error="insufficient_scope"',
    );
  });

  it.each([
    ['a quote', 'say "hi"', 'Bearer realm="say \\"hi\\""'],
    ['a backslash', 'a\\b', 'Bearer realm="a\\\\b"'],
    ['both', '"\\', 'Bearer realm="\\"\\\\"'],
    ['nothing', '', 'Bearer realm=""'],
    ['a URL', 'http://localhost:3000/api', 'Bearer realm="http://localhost:3000/api"'],
    ['a tab', 'a\tb', 'Bearer realm="a\tb"'],
  ])('escapes a realm with %s as a quoted-string', (_, realm, expected) => {
    expect(formatChallenge(realm)).toBe(expected);
  });

  it.each(['a\r\nSet-Cookie: x=1', 'a\nb', 'nul\0', 'caf\u00e9', 'del\x7f'])(
    'throws for a realm that cannot be a quoted-string: %j',
    (realm) => {
      expect(() => formatChallenge(realm)).toThrow(RangeError);
    },
  );

  it('accepts every character RFC 6750 §3 allows in error_description', () => {
    const allowed = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(formatChallenge('r', { error: 'invalid_token', description: allowed })).toBe(
      `Bearer realm="r", error="invalid_token", error_description="${allowed}"`,
    );
  });

  it.each(['', 'say "no"', 'back\\slash', 'line\nbreak', 'tab\there', 'caf\u00e9', 'del\x7f'])(
    'throws for an error_description RFC 6750 §3 forbids: %j',
    (description) => {
      expect(() => formatChallenge('r', { error: 'invalid_token', description })).toThrow(
        /error_description/,
      );
    },
  );

  it.each([[['']], [['a b']], [['a"b']], [['a\\b']], [['ok', 'caf\u00e9']], [['a\tb']]])(
    'throws for scope tokens RFC 6750 §3 forbids: %j',
    (scope) => {
      expect(() => formatChallenge('r', { error: 'insufficient_scope', scope })).toThrow(/scope/);
    },
  );

  it('accepts every scope-token character (%x21 / %x23-5B / %x5D-7E)', () => {
    const token = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(formatChallenge('r', { error: 'insufficient_scope', scope: [token] })).toBe(
      `Bearer realm="r", error="insufficient_scope", scope="${token}"`,
    );
  });

  it('throws for an unknown error code that slipped past the types', () => {
    const error = { error: 'invalid_grant' } as unknown as Parameters<typeof formatChallenge>[1];
    expect(() => formatChallenge('r', error)).toThrow(/error/);
    const injected = { error: 'x", foo="y' } as unknown as Parameters<typeof formatChallenge>[1];
    expect(() => formatChallenge('r', injected)).toThrow(RangeError);
  });
});

describe('statusFor (RFC 6750 §3.1)', () => {
  it.each([
    ['invalid_request', 400],
    ['invalid_token', 401],
    ['insufficient_scope', 403],
  ] as const)('maps %s to %d', (error, status) => {
    expect(statusFor(error)).toBe(status);
  });
});

describe('bearerErrorBody', () => {
  it('carries the error and its description', () => {
    expect(
      bearerErrorBody({ error: 'invalid_token', description: 'The access token expired' }),
    ).toEqual({ error: 'invalid_token', error_description: 'The access token expired' });
  });

  it('has no error_description key when there is no description', () => {
    const body = bearerErrorBody({ error: 'invalid_request' });
    expect(body).toEqual({ error: 'invalid_request' });
    expect(Object.keys(body)).toEqual(['error']);
  });

  it('leaves scope out of the body (it belongs in the challenge)', () => {
    expect(bearerErrorBody({ error: 'insufficient_scope', scope: ['drive.read'] })).toEqual({
      error: 'insufficient_scope',
    });
  });
});

describe("the token layer's refusals", () => {
  it('messages fit an RFC 6750 error_description', () => {
    for (const message of [INVALID_TOKEN, EXPIRED_TOKEN, new InvalidAccessToken().message]) {
      expect(() =>
        formatChallenge('gatehouse', { error: 'invalid_token', description: message }),
      ).not.toThrow();
    }
  });
});
