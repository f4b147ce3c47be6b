import type { KoaContextWithOIDC } from '../engine.js';

/** An OAuth error response body (RFC 6749 §5.2), as the engine writes it. */
export interface ErrorBody {
  error?: string;
  error_description?: string;
}

/** Whether the engine answered this request 400 with this OAuth error code. */
export function answeredError(ctx: KoaContextWithOIDC, error: string): boolean {
  return ctx.status === 400 && (ctx.body as ErrorBody | undefined)?.error === error;
}
