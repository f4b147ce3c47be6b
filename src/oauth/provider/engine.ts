import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import Provider, { errors, interactionPolicy } from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC, TokenEndpointGrantContext } from 'oidc-provider';
// @ts-expect-error -- oidc-provider ships no types, and @types/oidc-provider none for internals
import initializeKeystore from 'oidc-provider/lib/helpers/initialize_keystore.js';

/**
 * The engine: panva's oidc-provider, and the only module that imports it (dependency-cruiser's
 * `engine-in-one-place` rule). Everything else takes the engine's types from here and reaches
 * its runtime through the small functions below, so that what Gatehouse relies on is listed in
 * one place and an upgrade of oidc-provider is checked here and in the specs of
 * `corrections/`, which pin what the engine does where Gatehouse corrects it.
 */

/** A configured oidc-provider instance. */
export type Engine = Provider;

export type {
  ClientMetadata,
  Configuration,
  InteractionResults,
  KoaContextWithOIDC,
  ResourceServer,
  TokenEndpointGrantContext,
} from 'oidc-provider';

/** A middleware in the engine's own (koa) chain, as `engine.use()` takes it. */
export type EngineMiddleware = Parameters<Provider['use']>[0];

/** What the engine says about the interaction (sign-in or consent) a request belongs to. */
export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** An authorization (consent) as the engine stores it: what a user allowed a client. */
export type EngineGrant = InstanceType<Provider['Grant']>;

/** The engine's prompts and their checks (`interactions.policy`). */
export type InteractionPolicy = ReturnType<typeof interactionPolicy.base>;

/** Builds the engine for `issuer`. */
export function createEngine(issuer: string, configuration: Configuration): Engine {
  return new Provider(issuer, configuration);
}

/**
 * Gives a running engine a new set of signing keys (what `jwks` configured at construction):
 * it signs with them and publishes them at its JWKS endpoint from the next request on. The
 * engine has no public way to do it, so this calls the same internal initialisation its
 * constructor calls (pinned by engine.spec.ts).
 */
export function replaceSigningKeys(engine: Engine, keys: JWK[]): void {
  (initializeKeystore as (this: Engine, jwks: { keys: JWK[] }) => void).call(engine, {
    keys: structuredClone(keys),
  });
}

/** The engine's name for the route of the request it is handling now, if any. */
export function currentRoute(): string | undefined {
  const route = Provider.ctx?.oidc?.route;
  return route === undefined ? undefined : String(route);
}

/** A fresh copy of the engine's default prompts (login, consent) and their checks. */
export function basePolicy(): InteractionPolicy {
  return interactionPolicy.base();
}

/**
 * Adds a check to the consent prompt of `policy`: when `check` is true the engine stops the
 * authorization at the consent page with `reason` (what the page shows the person).
 */
export function addConsentCheck(
  policy: InteractionPolicy,
  reason: string,
  description: string,
  check: (ctx: KoaContextWithOIDC) => boolean,
): void {
  policy.get('consent')!.checks.add(new interactionPolicy.Check(reason, description, check));
}

/**
 * Adds a check to the login prompt of `policy`: when `check` is true the engine stops the
 * authorization at the sign-in step with `reason`, even with a signed-in session.
 */
export function addLoginCheck(
  policy: InteractionPolicy,
  reason: string,
  description: string,
  check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>,
): void {
  policy.get('login')!.checks.add(new interactionPolicy.Check(reason, description, check));
}

/** `invalid_grant` (RFC 6749 §5.2); `detail` goes to the engine's log and events only. */
export function invalidGrant(detail: string): Error {
  return new errors.InvalidGrant(detail);
}

/**
 * `invalid_target` (RFC 8707 §2): a resource the server does not know; or (RFC 8693 §2.2.2) one
 * it will not issue a token for, said in `description`.
 */
export function invalidTarget(description?: string): Error {
  return new errors.InvalidTarget(description);
}

/** `invalid_request` (RFC 6749 §5.2), with its `error_description`. */
export function invalidRequest(description: string): Error {
  return new errors.InvalidRequest(description);
}

/**
 * Adds a grant type to the token endpoint (and to discovery's `grant_types_supported`):
 * `handler` answers its requests once the engine has authenticated the client and checked that
 * the client may use it; `parameters` are the ones it reads, `repeatable` those that may be
 * given more than once. Call it before the engine loads a client registered for it.
 */
export function addGrantType(
  engine: Engine,
  grantType: string,
  handler: (ctx: TokenEndpointGrantContext) => Promise<void>,
  parameters: readonly string[],
  repeatable: readonly string[],
): void {
  engine.registerGrantType(grantType, handler, parameters, repeatable);
}

/** `invalid_scope` (RFC 6749 §5.2), naming the scope refused (its `scope` member) if one is. */
export function invalidScope(description: string, scope?: string): Error {
  // The engine answers `scope` whenever it is defined; its typings want a string.
  return new errors.InvalidScope(description, scope as string);
}

/**
 * The account signed in to the engine's browser session (its `_session` cookie), if any. Its
 * `Session` model is reached outside of a request the engine handles, through a context built
 * on the raw request.
 */
export async function signedInAccountId(
  engine: Engine,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<string | undefined> {
  return (await signedInSession(engine, req, res)).accountId;
}

/**
 * A browser session as the engine keeps it: its id (the cookie's value), the account signed
 * in, and how and when that sign-in was done (RFC 8176 `amr`, `acr`, epoch seconds).
 */
export interface BrowserSession {
  accountId?: string;
  id?: string;
  amr?: string[];
  acr?: string;
  loginTs?: number;
}

interface StoredSession extends BrowserSession {
  exp?: number;
  persist(): Promise<unknown>;
}

/** The browser session of a request: its id and account, if signed in, and how. */
export function signedInSession(
  engine: Engine,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<BrowserSession> {
  return storedSession(engine, req, res);
}

/**
 * Records in the request's signed-in session that a second factor was just proven outside of
 * an authorization (setting one up on /account/security), so the pages and apps that need one
 * do not ask for it again in this session. Nothing happens without a signed-in session.
 */
export async function recordSessionMethods(
  engine: Engine,
  req: IncomingMessage,
  res: ServerResponse,
  methods: { amr: string[]; acr: string },
): Promise<void> {
  const session = await storedSession(engine, req, res);
  if (!session.accountId || typeof session.exp !== 'number') {
    return;
  }
  session.amr = methods.amr;
  session.acr = methods.acr;
  await session.persist();
}

function storedSession(
  engine: Engine,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<StoredSession> {
  const ctx = engine.createContext(req, res);
  return (engine.Session as unknown as { get(ctx: unknown): Promise<StoredSession> }).get(ctx);
}

/**
 * Takes `scope` back from what `grant` holds: for `resource` when it holds scopes for that
 * resource (an API), else for OpenID Connect. Removed, not rejected: a rejected scope counts
 * as decided, and the client could never ask for it again; removed, asking again shows the
 * consent page. The engine narrows a refresh to the scopes the grant still holds. The caller
 * saves the grant.
 */
export function removeGrantedScope(grant: EngineGrant, scope: string, resource?: string): void {
  const without = (scopes: string) =>
    scopes
      .split(' ')
      .filter((candidate) => candidate && candidate !== scope)
      .join(' ');
  if (resource !== undefined && grant.resources?.[resource]) {
    grant.resources[resource] = without(grant.resources[resource]);
  } else if (grant.openid?.scope) {
    grant.openid.scope = without(grant.openid.scope);
  }
}
