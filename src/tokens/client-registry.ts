/**
 * What the layers below and beside the authorization server need to know of applications,
 * which it owns (oauth/clients provides it as CLIENT_REGISTRY): whether a client id is still
 * registered, and the origins browser apps may call from.
 */
export interface ClientRegistry {
  isRegistered(clientId: string): Promise<boolean>;
  /** Every origin of a registered SPA's redirect URIs. */
  spaOrigins(): Promise<Set<string>>;
}

/** Injection token of the {@link ClientRegistry}. */
export const CLIENT_REGISTRY = Symbol('ClientRegistry');
