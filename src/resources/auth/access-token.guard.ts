import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { GrantUsage } from '../../tokens/grant-usage.service.js';
import { BearerChallenge } from './bearer-challenge.js';
import { BearerStrategy } from './bearer.strategy.js';
import { extractBearerToken, type TokenScheme } from './bearer-request.js';
import { DPOP_ALGORITHMS, InvalidDpopProof, verifyDpopProof } from './dpop-proof.js';
import { DpopReplays } from './dpop-replays.js';
import { IS_PUBLIC, REQUIRES_USER, SCOPE_REQUIREMENTS } from './decorators.js';
import {
  type AccessTokenContext,
  INVALID_TOKEN,
  InvalidAccessToken,
} from '../../tokens/access-token-context.js';
import type { BearerError } from './challenge.js';
import { type ScopeRequirement, unmetRequirement } from './scope-requirements.js';
import { setRequestClient } from '../../common/request-client.js';
import {
  PROTECTED_RESOURCES,
  resourceForPath,
  resourceIndicator,
  resourceMetadataUrl,
} from '../../tokens/resources.js';

type ProtectedRequest = FastifyRequest & { accessToken?: AccessTokenContext };

/** A refusal of this request: its challenge names the route's resource metadata. */
type Refuse = (error?: BearerError) => BearerChallenge;

interface Policy {
  controller: object;
  public: boolean;
  requiresUser: boolean;
  requirements: ScopeRequirement[];
  /** The audience a token must have here: the resource the route is under (RFC 8707). */
  audience: string;
  /** That resource's metadata URL, in every challenge (RFC 9728 §5.1). */
  metadata: string;
}

/**
 * The global guard: every route needs a valid access token for the resource it is under (the
 * resource registry, tokens/resources.ts: `/api` by default, `/mcp`...) unless it is
 * `@Public()`, and the token must carry the scopes its `@Scopes()`/`@AnyScope()` ask for.
 * Refusals are {@link BearerChallenge}s, answered to the letter of RFC 6750 §3, each naming the
 * resource's metadata (RFC 9728 §5.1). A token for another resource is `invalid_token` (RFC 8707
 * §2: the audience restricts where a token may be used).
 *
 * The token is extracted here, by RFC 6750 §2 (see bearer-request.ts), and then verified through
 * passport: the `bearer` strategy that `@nestjs/passport` builds (passport-http-bearer with our
 * verifier injected, see BearerStrategy), which is handed the token as it was extracted. The
 * guard runs the strategy itself rather than extending `@nestjs/passport`'s AuthGuard: that
 * wrapper dropped the challenge anyway and cost
 * about 15 % of a cached-JWT API request (measured, bench/README.md).
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly logger = new Logger(AccessTokenGuard.name);
  private readonly realm: string;
  private readonly policies = new WeakMap<object, Policy>();
  private readonly issuer: string;
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bearer: BearerStrategy,
    private readonly usage: GrantUsage,
    /** DPoP proof ids seen lately by any instance (RFC 9449 §11.1). */
    private readonly replays: DpopReplays,
  ) {
    this.realm = config.resourceServer.realm;
    this.issuer = config.issuer;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.policyFor(context);
    if (policy.public) {
      return true;
    }
    const request = context.switchToHttp().getRequest<ProtectedRequest>();
    const found = extractBearerToken({
      headers: request.headers,
      query: request.query as Record<string, unknown>,
      body: request.body,
      method: request.method,
    });
    const refuse = (error?: BearerError) => new BearerChallenge(this.realm, error, policy.metadata);
    if (found.kind === 'none') {
      throw refuse();
    }
    if (found.kind === 'malformed') {
      throw refuse({ error: 'invalid_request', description: found.description });
    }
    const token = await this.authenticate(found.token, refuse);
    if (!token.audience.includes(policy.audience)) {
      // A token for another of our resources (RFC 8707): as invalid here as a forged one.
      throw refuse({ error: 'invalid_token', description: INVALID_TOKEN });
    }
    await this.checkProofOfPossession(request, found.scheme, found.token, token, refuse);

    if (policy.requiresUser && !token.userPresent) {
      throw refuse({
        error: 'insufficient_scope',
        description:
          'This operation acts for a user; a client credentials token has none. Use a token a user authorized',
      });
    }
    const unmet = unmetRequirement(policy.requirements, token.scopes);
    if (unmet) {
      throw refuse({
        error: 'insufficient_scope',
        description:
          unmet.mode === 'all'
            ? 'The access token lacks a scope this operation requires'
            : 'The access token needs one of the scopes this operation accepts',
        scope: unmet.scopes,
      });
    }
    request.accessToken = token;
    setRequestClient(request.raw, token.clientId);
    // "Last used" on the user's connected-apps page (in memory; written every 30 s).
    if (token.grantKey) {
      this.usage.touch(token.grantKey);
    }
    return true;
  }

  /**
   * RFC 9449 §7: a DPoP-bound token (`cnf.jkt`) is accepted only as `Authorization: DPoP`, with
   * a proof for this request signed by its key; a token that is not bound is not accepted as
   * DPoP. (Without this, a stolen bound token would work as a plain bearer token.)
   */
  private async checkProofOfPossession(
    request: ProtectedRequest,
    scheme: TokenScheme,
    accessToken: string,
    token: AccessTokenContext,
    refuse: Refuse,
  ): Promise<void> {
    const dpopChallenge = (error: 'invalid_token' | 'invalid_dpop_proof', description: string) =>
      refuse({ error, description, scheme: 'DPoP', algs: DPOP_ALGORITHMS });
    if (!token.dpopJkt) {
      if (scheme === 'DPoP') {
        throw dpopChallenge('invalid_token', 'The access token is not bound to a DPoP key');
      }
      return;
    }
    if (scheme !== 'DPoP') {
      throw dpopChallenge(
        'invalid_token',
        'The access token is bound to a DPoP key: send it as DPoP, with a proof',
      );
    }
    const proofs = request.headers.dpop;
    try {
      await verifyDpopProof(
        {
          proofs: proofs === undefined ? [] : [proofs].flat(),
          method: request.method,
          url: `${this.issuer}${request.url.split('?')[0]}`,
          accessToken,
          jkt: token.dpopJkt,
        },
        this.replays,
      );
    } catch (error) {
      if (error instanceof InvalidDpopProof) {
        throw dpopChallenge('invalid_dpop_proof', error.message);
      }
      throw error;
    }
  }

  /**
   * What the decorators on a handler and its controller ask for. Metadata never changes after
   * start-up, so it is read once per handler rather than on every request.
   */
  private policyFor(context: ExecutionContext): Policy {
    const handler = context.getHandler();
    const controller = context.getClass();
    const known = this.policies.get(handler);
    if (known?.controller === controller) {
      return known;
    }
    const targets = [handler, controller];
    // The route's pattern (`/api/drive/files/:id`), the same for every request of the handler.
    const route = context.switchToHttp().getRequest<FastifyRequest>().routeOptions.url ?? '';
    const resource = resourceForPath(route) ?? PROTECTED_RESOURCES.api;
    const policy: Policy = {
      controller,
      public: Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)),
      requiresUser: Boolean(this.reflector.getAllAndOverride<boolean>(REQUIRES_USER, targets)),
      // Class requirements first, then the handler's: a token must meet them all.
      requirements: [controller, handler].flatMap(
        (target) =>
          this.reflector.get<ScopeRequirement[] | undefined>(SCOPE_REQUIREMENTS, target) ?? [],
      ),
      audience: resourceIndicator(this.issuer, resource),
      metadata: resourceMetadataUrl(this.issuer, resource),
    };
    this.policies.set(handler, policy);
    return policy;
  }

  /** Runs passport's `bearer` strategy on the token; a context, or an RFC 6750 refusal. */
  private async authenticate(token: string, refuse: Refuse): Promise<AccessTokenContext> {
    const outcome = await this.bearer.run(token);
    return outcome.kind === 'success'
      ? this.verdict(undefined, outcome.token, refuse)
      : this.verdict(outcome.kind === 'error' ? outcome.error : undefined, false, refuse);
  }

  /** Passport's verdict: a context, or an RFC 6750 `invalid_token` (§3.1). */
  private verdict(
    error: unknown,
    user: AccessTokenContext | false | undefined,
    refuse: Refuse,
  ): AccessTokenContext {
    if (user && !error) {
      return user;
    }
    if (error instanceof InvalidAccessToken || !error) {
      if (error instanceof InvalidAccessToken && error.cause instanceof Error) {
        this.logger.debug(`Access token refused: ${error.cause.message}`);
      }
      throw refuse({
        error: 'invalid_token',
        description:
          error instanceof InvalidAccessToken ? error.message : 'The access token is invalid',
      });
    }
    // A database failure while looking a token up is ours, not the client's, so never a 401:
    // a 503 with Retry-After while the database is out of reach (HttpErrorFilter), else a 500.
    throw error instanceof Error
      ? error
      : new Error('Access token verification failed', { cause: error });
  }
}
