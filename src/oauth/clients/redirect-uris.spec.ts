import type { ClientType } from './client.entity.js';
import { redirectUriProblem, redirectUriProblems } from './redirect-uris.js';

const BROWSER_TYPES: ClientType[] = ['web', 'spa'];
const REDIRECTING_TYPES: ClientType[] = ['web', 'spa', 'native'];

/** Asserts that the URI is rejected with a message that starts with it and matches `pattern`. */
function expectProblem(type: ClientType, uri: string, pattern: RegExp): void {
  const problem = redirectUriProblem(type, uri);
  expect(problem).toBeDefined();
  expect(problem!.startsWith(`${uri}: `)).toBe(true);
  expect(problem).toMatch(pattern);
}

describe('redirectUriProblem', () => {
  describe.each(BROWSER_TYPES)('for a %s application', (type) => {
    it.each([
      'https://app.example.com/callback',
      'https://app.example.com:8443/cb?tenant=1',
      'https://localhost/cb',
    ])('accepts the https URI %p', (uri) => {
      expect(redirectUriProblem(type, uri)).toBeUndefined();
    });

    it.each([
      'http://localhost/cb',
      'http://localhost:3000/cb',
      'http://127.0.0.1/cb',
      'http://127.0.0.1:8080/cb',
      'http://[::1]/cb',
      'http://[::1]:8080/cb',
    ])('accepts the local development URI %p', (uri) => {
      expect(redirectUriProblem(type, uri)).toBeUndefined();
    });

    it.each([
      'http://app.example.com/cb',
      'http://localhost.example.com/cb',
      'http://127.0.0.2/cb',
      'http://10.0.0.1/cb',
    ])('rejects the plain-http URI %p', (uri) => {
      expectProblem(type, uri, /must use https \(http is allowed only for localhost/);
    });

    it.each(['com.example.app:/cb', 'javascript:alert(1)', 'ftp://example.com/cb'])(
      'rejects the non-http(s) URI %p',
      (uri) => {
        expectProblem(type, uri, /must use https/);
      },
    );
  });

  describe('for a native application', () => {
    it.each([
      'http://127.0.0.1/cb',
      'http://127.0.0.1:51004/cb',
      'http://127.0.0.1',
      'http://[::1]/cb',
      'http://[::1]:51004/cb',
      'http://[::1]',
    ])('accepts the loopback IP literal URI %p, with or without a port', (uri) => {
      expect(redirectUriProblem('native', uri)).toBeUndefined();
    });

    it.each(['http://localhost/cb', 'http://localhost:51004/cb'])(
      'rejects %p, pointing to the loopback IP literal instead (RFC 8252 §8.3)',
      (uri) => {
        expectProblem('native', uri, /RFC 8252 §8\.3/);
        expect(redirectUriProblem('native', uri)).toContain('http://127.0.0.1');
      },
    );

    it.each(['http://app.example.com/cb', 'http://10.0.0.1:8080/cb', 'http://127.0.0.2/cb'])(
      'rejects the plain-http URI %p off the loopback interface',
      (uri) => {
        expectProblem('native', uri, /plain http is allowed only on the loopback interface/);
      },
    );

    it.each(['com.example.app:/cb', 'com.example.app:/oauth2redirect', 'io.gatehouse.cli://cb'])(
      'accepts the reverse-domain private-use scheme URI %p',
      (uri) => {
        expect(redirectUriProblem('native', uri)).toBeUndefined();
      },
    );

    it.each(['myapp:/cb', 'myapp://callback', 'javascript:alert(1)', 'file:///etc/passwd'])(
      'rejects the private-use scheme URI %p, which is not a reverse domain name',
      (uri) => {
        expectProblem('native', uri, /private-use URI scheme must be a reverse domain name/);
        expect(redirectUriProblem('native', uri)).toContain('RFC 8252 §7.1');
      },
    );

    it('accepts a claimed https URI', () => {
      expect(redirectUriProblem('native', 'https://app.example.com/oauth/cb')).toBeUndefined();
    });
  });

  describe.each(REDIRECTING_TYPES)('for every redirecting type (%s)', (type) => {
    it.each(['https://app.example.com/cb#section', 'https://app.example.com/cb#'])(
      'rejects the URI with a fragment %p (RFC 6749 §3.1.2)',
      (uri) => {
        expectProblem(type, uri, /must not contain a fragment \(RFC 6749 §3\.1\.2\)/);
      },
    );

    it.each([
      'https://*.example.com/cb',
      'https://app.example.com/*',
      'https://app.example.com/cb?x=*',
      '*',
    ])('rejects the wildcard URI %p', (uri) => {
      expectProblem(type, uri, /wildcards are not allowed/);
    });

    it.each([
      'https://user:secret@app.example.com/cb',
      'https://user@app.example.com/cb',
      'https://:secret@app.example.com/cb',
    ])('rejects the URI with credentials %p', (uri) => {
      expectProblem(type, uri, /must not contain credentials/);
    });

    it.each(['/callback', 'callback', 'app.example.com/cb', '//app.example.com/cb', ''])(
      'rejects the relative URI %p',
      (uri) => {
        expectProblem(type, uri, /must be an absolute URI/);
      },
    );
  });

  describe('for a service application', () => {
    it.each([
      'https://app.example.com/cb',
      'http://127.0.0.1/cb',
      'http://localhost/cb',
      'com.example.app:/cb',
    ])('rejects %p: it has no redirect URIs at all', (uri) => {
      expectProblem('service', uri, /service applications use client credentials/);
    });

    it('still reports a malformed URI as such', () => {
      expectProblem('service', 'https://app.example.com/cb#x', /must not contain a fragment/);
    });
  });
});

describe('redirectUriProblems', () => {
  it('returns no problems for an empty list', () => {
    expect(redirectUriProblems('web', [])).toEqual([]);
  });

  it('returns no problems when every URI is acceptable', () => {
    expect(redirectUriProblems('native', ['http://127.0.0.1/cb', 'com.example.app:/cb'])).toEqual(
      [],
    );
  });

  it('returns one problem per bad URI, in order, naming each URI', () => {
    const problems = redirectUriProblems('web', [
      'https://ok.example.com/cb',
      'http://evil.example.com/cb',
      'https://ok.example.com/cb2',
      'https://*.example.com/cb',
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^http:\/\/evil\.example\.com\/cb: must use https/);
    expect(problems[1]).toMatch(/^https:\/\/\*\.example\.com\/cb: wildcards are not allowed/);
  });

  it('rejects every URI of a service application', () => {
    const uris = ['https://a.example.com/cb', 'https://b.example.com/cb'];
    expect(redirectUriProblems('service', uris)).toEqual([
      'https://a.example.com/cb: service applications use client credentials and have no redirect URIs',
      'https://b.example.com/cb: service applications use client credentials and have no redirect URIs',
    ]);
  });
});
