#!/usr/bin/env node
// A tiny device (RFC 8628) for Gatehouse: what a TV or a command-line tool does to get a user's
// tokens without a browser of its own. It asks for a code, shows where to enter it (and a QR
// code of the direct link), waits while the person approves on their phone or computer, then
// calls the Drive API with the access token.
//
//   npm run cli -- clients:create --name "My TV" --type device       # prints the client_id
//   CLIENT_ID=<client_id> node examples/device-client.mjs
//
// Environment: CLIENT_ID (required), ISSUER (default http://localhost:3000), SCOPE (default
// "openid offline_access drive.read"). It gives up when the code expires (DEVICE_CODE_TTL).

import * as client from 'openid-client';
import QRCode from 'qrcode';

const issuer = new URL(process.env.ISSUER ?? 'http://localhost:3000');
const clientId = process.env.CLIENT_ID;
const scope = process.env.SCOPE ?? 'openid offline_access drive.read';
if (!clientId) {
  console.error('Set CLIENT_ID to a device application (clients:create --type device).');
  process.exit(2);
}

// http is for a local Gatehouse only; a real deployment's issuer is https.
const insecure = issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {};
const config = await client.discovery(issuer, clientId, undefined, client.None(), insecure);

const started = await client.initiateDeviceAuthorization(config, { scope });
console.log(
  `To sign in, visit ${started.verification_uri} and enter the code ${started.user_code}`,
);
console.log('or scan this code with your phone:\n');
console.log(
  await QRCode.toString(started.verification_uri_complete, { type: 'terminal', small: true }),
);
console.log(
  `Waiting for you to approve (the code expires in ${Math.round(started.expires_in / 60)} min)...`,
);

// Polls at the server's interval, slows down when told to, stops on denial or expiry.
let tokens;
try {
  tokens = await client.pollDeviceAuthorizationGrant(config, started);
} catch (error) {
  const reasons = {
    access_denied: 'The sign-in was denied.',
    expired_token: 'The code expired before it was used; run me again.',
  };
  console.error(reasons[error?.error] ?? `The sign-in failed: ${error?.message ?? error}`);
  process.exit(1);
}
const who = tokens.claims()?.sub ?? 'a user';
console.log(`Signed in as ${who}; granted: ${tokens.scope ?? '(nothing)'}`);

const files = await client.fetchProtectedResource(
  config,
  tokens.access_token,
  new URL('/api/drive/files', issuer),
  'GET',
);
if (files.ok) {
  const { files: list } = await files.json();
  console.log(`Your Drive has ${list.length} file(s).`);
} else {
  console.log(`The Drive answered ${files.status}: ${files.headers.get('www-authenticate') ?? ''}`);
}
