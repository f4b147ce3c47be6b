import type { KoaContextWithOIDC } from '../engine.js';

/**
 * Restores RFC 8628 §3.2's `interval` in the device authorization response: oidc-provider
 * leaves it out, which tells the device to wait 5 s, whatever DEVICE_POLL_INTERVAL says.
 */
export function announcePollingInterval(ctx: KoaContextWithOIDC, interval: number): void {
  if (ctx.oidc.route === 'device_authorization' && ctx.status === 200) {
    ctx.body = { ...(ctx.body as object), interval };
  }
}
