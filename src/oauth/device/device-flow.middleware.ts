import type { ViewsService } from '../../common/views.service.js';
import { announcePollingInterval } from '../provider/corrections/device-polling-interval.js';
import { slowDown } from '../provider/corrections/slow-down.js';
import { prefillUserCode } from '../provider/corrections/user-code-prefill.js';
import { renderCodePage, WRONG_USER_CODE } from '../provider/device-pages.js';
import type { KoaContextWithOIDC } from '../provider/engine.js';
import { PROVIDER_ROUTES } from '../provider/routes.js';
import type { DevicePolling } from './device-polling.js';
import type { UserCodeThrottle } from './user-code-throttle.js';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

export interface DeviceFlowDependencies {
  polling: DevicePolling;
  throttle: UserCodeThrottle;
  views: ViewsService;
  issuer: string;
  /** Seconds a device code lives (DEVICE_CODE_TTL). */
  deviceCodeTtl: number;
}

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** A QR code (SVG) of `verification_uri_complete`, for a device with a screen to show. */
export const DEVICE_QR_PATH = `${PROVIDER_ROUTES.code_verification}/qr.svg`;

/** What a user code looks like (base-20 charset, XXXX-XXXX mask): nothing else is encoded. */
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/**
 * What Gatehouse adds around oidc-provider's device flow (RFC 8628):
 * - wrong user codes are throttled per browser session and per address (§5.1);
 * - a QR code of `verification_uri_complete` (§3.3.1) for a device with a screen;
 * - the corrections of the engine's answers: the device authorization response names its
 *   polling `interval` (§3.2), a poll sooner than the interval gets `slow_down` and the
 *   interval grows by 5 s (§3.5), and `verification_uri_complete` opens the code page with the
 *   code filled in (§3.3.1) — see `provider/corrections/`.
 */
export function deviceFlow(deps: DeviceFlowDependencies): Middleware {
  return async (ctx, next) => {
    if (ctx.path === PROVIDER_ROUTES.code_verification && ctx.method === 'POST') {
      return verifyUserCode(ctx, next, deps);
    }
    if (ctx.path === DEVICE_QR_PATH && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      return qrCode(ctx, deps.issuer);
    }
    await next();
    if (!ctx.oidc) {
      return;
    }
    announcePollingInterval(ctx, deps.polling.interval);
    if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === DEVICE_CODE_GRANT) {
      await enforceInterval(ctx, deps);
    }
    prefillUserCode(ctx, deps.views);
  };
}

async function verifyUserCode(
  ctx: KoaContextWithOIDC,
  next: () => Promise<void>,
  deps: DeviceFlowDependencies,
): Promise<void> {
  const session = ctx.cookies.get('_session');
  const wait = await deps.throttle.retryAfter(session, ctx.ip);
  if (wait > 0) {
    ctx.set('Retry-After', String(wait));
    renderCodePage(ctx, deps.views, {
      action: PROVIDER_ROUTES.code_verification,
      xsrf: '',
      userCode: '',
      blocked: true,
      error: `Too many incorrect codes. Try again in ${Math.ceil(wait / 60)} minute(s).`,
      status: 429,
    });
    return;
  }
  await next();
  if (ctx.state[WRONG_USER_CODE]) {
    await deps.throttle.recordWrongCode(session, ctx.ip);
  }
}

/** Records the poll; one sooner than the interval gets `slow_down` (see corrections/slow-down.ts). */
async function enforceInterval(ctx: KoaContextWithOIDC, deps: DeviceFlowDependencies) {
  const deviceCode = ctx.oidc.params?.device_code;
  if (typeof deviceCode !== 'string' || !deviceCode) {
    return;
  }
  slowDown(ctx, await deps.polling.poll(deviceCode, Date.now() + deps.deviceCodeTtl * 1000));
}

/**
 * GET /device/qr.svg?user_code=XXXX-XXXX: the QR code of that code's
 * `verification_uri_complete`. It holds nothing the device does not already show; only
 * well-formed codes are encoded, so the endpoint cannot be used to make arbitrary QR codes.
 */
async function qrCode(ctx: KoaContextWithOIDC, issuer: string): Promise<void> {
  const userCode = typeof ctx.query.user_code === 'string' ? ctx.query.user_code : '';
  if (!USER_CODE.test(userCode)) {
    ctx.status = 400;
    ctx.type = 'json';
    ctx.body = {
      error: 'invalid_request',
      error_description: 'user_code must be a user code such as BCDF-GHJK',
    };
    return;
  }
  const target = new URL(`${issuer}${PROVIDER_ROUTES.code_verification}`);
  target.searchParams.set('user_code', userCode);
  ctx.type = 'image/svg+xml';
  ctx.set('Cache-Control', 'no-store');
  // Loaded on first use: the library and its PNG encoder weigh ~8 MB of memory, and most
  // deployments never draw a QR code.
  const { default: QRCode } = await import('qrcode');
  ctx.body = await QRCode.toString(target.href, {
    type: 'svg',
    margin: 2,
    errorCorrectionLevel: 'M',
  });
}
