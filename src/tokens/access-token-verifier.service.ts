import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { UsersService } from '../identity/users.service.js';
import { KeysService } from '../keys/keys.service.js';
import { CLIENT_REGISTRY, type ClientRegistry } from './client-registry.js';
import { OidcPayloadStore } from './oidc-payload.store.js';
import { PersonalAccessTokenStore } from './personal-access-token.store.js';
import { RevocationList } from './revocation-list.js';
import { apiResource } from './scopes.js';
import { resourceIndicators } from './resources.js';
import {
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifier,
} from './jwt-access-token.verifier.js';
import { type AccessTokenContext, InvalidAccessToken } from './access-token-context.js';
import { createOpaqueAccessTokenVerifier } from './opaque-access-token.verifier.js';
import {
  createPersonalAccessTokenVerifier,
  isPersonalAccessToken,
} from './personal-access-token.verifier.js';

/**
 * Verifies an access token for this server's API, in either format: a JWT (it has dots) is
 * verified locally and checked against the revocation list, an opaque token is looked up in the
 * database; so is a user's personal access token (`gat_...`). Both formats are accepted whatever `ACCESS_TOKEN_FORMAT` says, so changing it does
 * not break the tokens already out there.
 *
 * Verified JWTs are remembered (up to `ACCESS_TOKEN_CACHE_SIZE`, never past their `exp`): a
 * signature check costs far more than the lookup. The revocation list is consulted on every
 * request, cached or not, so a revocation still takes effect on the very next one.
 */
@Injectable()
export class AccessTokenVerifier {
  /** Every resource's indicator: the guard checks that a token is for its route's resource. */
  private readonly audiences: string[];
  private readonly verifyOpaque: (token: string) => Promise<AccessTokenContext>;
  private readonly verifyPersonal: (token: string) => Promise<AccessTokenContext>;
  private readonly cache: LRUCache<string, AccessTokenContext> | undefined;
  private jwtVerifier: JwtAccessTokenVerifier | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: KeysService,
    private readonly revocations: RevocationList,
    payloads: OidcPayloadStore,
    personalTokens: PersonalAccessTokenStore,
    @Inject(CLIENT_REGISTRY) clients: ClientRegistry,
    users: UsersService,
  ) {
    this.audiences = resourceIndicators(config.issuer);
    this.verifyOpaque = createOpaqueAccessTokenVerifier({
      store: payloads,
      clients,
      audiences: this.audiences,
    });
    this.verifyPersonal = createPersonalAccessTokenVerifier({
      store: personalTokens,
      // Personal access tokens are for the API only.
      audience: apiResource(config.issuer),
      userActive: async (userId) => (await users.findById(userId))?.disabledAt === null,
    });
    const max = config.resourceServer.tokenCacheSize;
    this.cache = max > 0 ? new LRUCache({ max }) : undefined;
    // After a rotation (or retirement), verify against the keys the server has now.
    keys.onSigningKeysChanged(() => {
      this.jwtVerifier = undefined;
      this.cache?.clear();
    });
  }

  /** @throws InvalidAccessToken whatever the reason; its message is safe to show. */
  async verify(token: string): Promise<AccessTokenContext> {
    if (isPersonalAccessToken(token)) {
      return this.verifyPersonal(token);
    }
    if (!token.includes('.')) {
      return this.verifyOpaque(token);
    }
    const context = this.cache?.get(token) ?? (await this.verifyJwt(token));
    if (
      this.revocations.isRevoked({
        clientId: context.clientId,
        grantKey: context.grantKey,
        jti: context.jti,
        issuedAt: context.issuedAt.getTime(),
      })
    ) {
      throw new InvalidAccessToken();
    }
    return context;
  }

  private async verifyJwt(token: string): Promise<AccessTokenContext> {
    // Built on first use: the signing keys are loaded (or generated) while the app starts.
    this.jwtVerifier ??= createJwtAccessTokenVerifier({
      issuer: this.config.issuer,
      audience: this.audiences,
      keys: this.keys.current.signing,
    });
    // Frozen: the same object is handed to every request that presents this token.
    const verified = await this.jwtVerifier(token);
    Object.freeze(verified.scopes);
    Object.freeze(verified.audience);
    const context = Object.freeze(verified);
    const ttl = context.expiresAt.getTime() - Date.now();
    if (ttl > 0) {
      this.cache?.set(token, context, { ttl });
    }
    return context;
  }
}
