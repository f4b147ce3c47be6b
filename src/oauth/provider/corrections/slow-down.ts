import type { KoaContextWithOIDC } from '../engine.js';
import { answeredError } from './error-body.js';

/**
 * Restores RFC 8628 §3.5's `slow_down`: oidc-provider does not enforce the polling interval,
 * and answers a poll that came too soon `authorization_pending` like any other. `interval`:
 * the device's interval now, grown by 5 s (see DevicePolling), when it polled too soon;
 * undefined otherwise. Only a pending authorization is slowed down: tokens, a denial or an
 * expiry stand.
 */
export function slowDown(ctx: KoaContextWithOIDC, interval: number | undefined): void {
  if (interval !== undefined && answeredError(ctx, 'authorization_pending')) {
    ctx.body = {
      error: 'slow_down',
      error_description: `polling too often: wait at least ${interval} seconds between requests`,
    };
  }
}
