import { isIssuerHost } from './misdirected-requests.js';

describe('isIssuerHost', () => {
  const https = new URL('https://id.example.com');
  const local = new URL('http://127.0.0.1:3000');

  it.each(['id.example.com', 'ID.Example.COM', 'id.example.com:443'])(
    'accepts %p for https://id.example.com',
    (host) => {
      expect(isIssuerHost(host, https)).toBe(true);
    },
  );

  it.each([
    '',
    'evil.test',
    'id.example.com:8443',
    'id.example.com.evil.test',
    'evil.test@id.example.com',
    'id.example.com/path',
    'id.example.com, evil.test',
    'id.example.com\\evil.test',
  ])('refuses %p for https://id.example.com', (host) => {
    expect(isIssuerHost(host, https)).toBe(false);
  });

  it('compares the port of an issuer that has one', () => {
    expect(isIssuerHost('127.0.0.1:3000', local)).toBe(true);
    expect(isIssuerHost('127.0.0.1', local)).toBe(false);
    expect(isIssuerHost('127.0.0.1:3001', local)).toBe(false);
  });
});
