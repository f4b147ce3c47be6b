import type { ClientType } from './client.entity.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Checks one redirect URI for an application type, following RFC 6749 §3.1.2, RFC 8252 §7 and
 * RFC 9700 §2.1 / §4.1.3. Returns a readable problem, or undefined when the URI is acceptable.
 */
export function redirectUriProblem(type: ClientType, value: string): string | undefined {
  if (value.includes('*')) {
    return `${value}: wildcards are not allowed; register each redirect URI exactly`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${value}: must be an absolute URI`;
  }
  if (url.hash || value.includes('#')) {
    return `${value}: must not contain a fragment (RFC 6749 §3.1.2)`;
  }
  if (url.username || url.password) {
    return `${value}: must not contain credentials`;
  }
  const loopback = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  const localhost = url.protocol === 'http:' && url.hostname === 'localhost';
  switch (type) {
    case 'web':
    case 'spa':
      if (url.protocol === 'https:' || loopback || localhost) {
        return undefined;
      }
      return `${value}: must use https (http is allowed only for localhost during development)`;
    case 'native':
      if (url.protocol === 'https:' || loopback) {
        return undefined;
      }
      if (localhost) {
        return `${value}: use the loopback IP literal http://127.0.0.1 or http://[::1] instead of localhost (RFC 8252 §8.3)`;
      }
      if (url.protocol === 'http:') {
        return `${value}: plain http is allowed only on the loopback interface (RFC 8252 §7.3)`;
      }
      if (!url.protocol.slice(0, -1).includes('.')) {
        return `${value}: a private-use URI scheme must be a reverse domain name such as com.example.app (RFC 8252 §7.1)`;
      }
      return undefined;
    case 'device':
      return `${value}: device applications use the device flow (RFC 8628) and have no redirect URIs`;
    case 'service':
      return `${value}: service applications use client credentials and have no redirect URIs`;
  }
}

export function redirectUriProblems(type: ClientType, values: string[]): string[] {
  return values.flatMap((value) => redirectUriProblem(type, value) ?? []);
}
