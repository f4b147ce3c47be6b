import type { IncomingMessage } from 'node:http';

/**
 * Which application a request came from, once someone learnt it (the engine after client
 * authentication, the resource guard from the access token): the request log names it.
 */
const clients = new WeakMap<IncomingMessage, string>();

export function setRequestClient(request: IncomingMessage, clientId: string): void {
  clients.set(request, clientId);
}

export function requestClient(request: IncomingMessage): string | undefined {
  return clients.get(request);
}
