// The floor for a resource server that verifies JWT access tokens on every request: bare
// node:http plus jose's jwtVerify, no framework, no database, no cache. The resource-server
// benchmark's `jwt-verify` scenario compares Gatehouse (ACCESS_TOKEN_CACHE_SIZE=0) with it.
//
// GET /api/drive/files/<id> with `Authorization: Bearer <JWT>`: the token is verified as
// Gatehouse verifies it (RFC 9068: typ at+jwt, RS256/ES256 only, iss = ISSUER, aud contains
// `${ISSUER}/api`, exp; key by kid from Gatehouse's JWKS, fetched once at start), must carry
// drive.read and be a user's (sub !== client_id), and the answer is RESPONSE_BODY, the JSON
// Gatehouse returned for the same request, served from memory. Anything else: 401 or 404.
//
// Environment: PORT (required), HOST (default 127.0.0.1), ISSUER (Gatehouse's, required),
// RESPONSE_BODY (required). Prints `BENCH_READY {}` once listening; serves until SIGTERM/SIGINT.

/* global fetch, AbortSignal, Buffer -- Node's built-ins (eslint.config.js declares only a few globals) */
import { createServer } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT);
const issuer = process.env.ISSUER;
if (!Number.isInteger(port) || port <= 0 || !issuer || !process.env.RESPONSE_BODY) {
  console.error('bare-jwt-server: PORT, ISSUER and RESPONSE_BODY must be set');
  process.exit(2);
}
const body = Buffer.from(process.env.RESPONSE_BODY);
JSON.parse(process.env.RESPONSE_BODY); // fail now, not per request, if it is not JSON

const response = await fetch(`${issuer}/oauth/jwks`, { signal: AbortSignal.timeout(10_000) });
if (!response.ok) {
  console.error(`bare-jwt-server: ${issuer}/oauth/jwks answered ${response.status}`);
  process.exit(1);
}
const jwks = await response.json();
if (!jwks.keys?.some((key) => key.alg === 'RS256')) {
  console.error(`bare-jwt-server: no RS256 key in ${issuer}/oauth/jwks`);
  process.exit(1);
}
const getKey = createLocalJWKSet(jwks);
const verifyOptions = {
  algorithms: ['RS256', 'ES256'],
  typ: 'at+jwt',
  issuer,
  audience: `${issuer}/api`,
  requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
};
const PATH = /^\/api\/drive\/files\/[^/?]+$/;
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

function refuse(res, status, error) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...(status === 401 ? { 'www-authenticate': `Bearer error="${error}"` } : {}),
  });
  res.end(JSON.stringify({ error }));
}

async function handle(req, res) {
  if (req.method !== 'GET' || !PATH.test(req.url)) {
    return refuse(res, 404, 'not_found');
  }
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  if (!token) {
    return refuse(res, 401, 'invalid_request');
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(token, getKey, verifyOptions));
  } catch {
    return refuse(res, 401, 'invalid_token');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!scopes.includes('drive.read') || payload.sub === payload.client_id) {
    return refuse(res, 403, 'insufficient_scope');
  }
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  res.end(body);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(error);
    res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => process.stdout.write('BENCH_READY {}\n'));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    // A clean exit (not death by signal) lets --cpu-prof write its profile.
    process.exit(0);
  });
}
