/**
 * What the token layer needs to know of applications, which the authorization server owns
 * (oauth/clients provides it as CLIENT_REGISTRY): whether a client id is still registered.
 */
export interface ClientRegistry {
  isRegistered(clientId: string): Promise<boolean>;
}

/** Injection token of the {@link ClientRegistry}. */
export const CLIENT_REGISTRY = Symbol('ClientRegistry');
