#!/usr/bin/env node
// A tiny native app (RFC 8252) for Gatehouse: a command-line program that signs its user in
// with the system browser, as RFC 8252 asks (never an embedded web view), and receives the
// answer on a loopback port it picks at random (§7.3). Public client: no secret, PKCE (S256).
//
//   npm run cli -- clients:create --name "My CLI" --type native --redirect-uri http://127.0.0.1/callback
//   CLIENT_ID=<client_id> node examples/native-client.mjs
//
// Environment: CLIENT_ID (required), ISSUER (default http://localhost:3000), SCOPE (default
// "openid drive.read"), NO_BROWSER=1 to only print the URL (on a machine without a desktop).

import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { setTimeout, clearTimeout } from 'node:timers';
import * as client from 'openid-client';

const issuer = new URL(process.env.ISSUER ?? 'http://localhost:3000');
const clientId = process.env.CLIENT_ID;
const scope = process.env.SCOPE ?? 'openid drive.read';
/** How long to wait for the person to finish in the browser. */
const TIMEOUT_MS = 5 * 60_000;
if (!clientId) {
  console.error('Set CLIENT_ID to a native application registered with http://127.0.0.1/callback.');
  process.exit(2);
}

// http is for a local Gatehouse only; a real deployment's issuer is https.
const insecure = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {};
const config = await client.discovery(issuer, clientId, undefined, client.None(), insecure);

// Any free port on the loopback interface; Gatehouse accepts it for the registered
// http://127.0.0.1/callback (RFC 8252 §7.3: the port is not part of the comparison).
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const redirectUri = `http://127.0.0.1:${server.address().port}/callback`;

const verifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope,
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
});

const callback = new Promise((resolve, reject) => {
  const timer = setTimeout(
    () => reject(new Error('no answer from the browser in time')),
    TIMEOUT_MS,
  );
  server.on('request', (req, res) => {
    const received = new URL(req.url, redirectUri);
    if (received.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('You can close this window and return to the terminal.');
    clearTimeout(timer);
    resolve(received);
  });
});

console.log(`Sign in in your browser: ${url.href}`);
if (process.env.NO_BROWSER !== '1') {
  const opener = { darwin: 'open', win32: 'explorer' }[process.platform] ?? 'xdg-open';
  execFile(opener, [url.href], () => {
    // No desktop: the printed URL is the way.
  });
}

let tokens;
try {
  tokens = await client.authorizationCodeGrant(config, await callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
} catch (error) {
  console.error(
    `The sign-in failed: ${error?.error_description ?? error?.error ?? error?.message}`,
  );
  process.exit(1);
} finally {
  server.close();
}
console.log(`Signed in as ${tokens.claims()?.sub}; granted: ${tokens.scope ?? '(nothing)'}`);

const files = await client.fetchProtectedResource(
  config,
  tokens.access_token,
  new URL('/api/drive/files', issuer),
  'GET',
);
console.log(
  files.ok
    ? `Your Drive has ${(await files.json()).files.length} file(s).`
    : `The Drive answered ${files.status}.`,
);
