import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import createTokens from '@fastify/csrf';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, secureCookies, type AppConfig } from '../config/app-config.js';

const COOKIE = 'gatehouse.csrf';

/**
 * Synchronizer tokens for our HTML forms (OWASP CSRF cheat sheet): a random secret in a signed,
 * HttpOnly cookie and a token derived from it in each form. A post without both is refused.
 */
@Injectable()
export class CsrfService {
  private readonly tokens = createTokens();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** A token for a form on the page being rendered; sets the secret cookie when missing. */
  issue(request: FastifyRequest, reply: FastifyReply): string {
    let secret = this.secretOf(request, reply);
    if (secret === undefined) {
      secret = this.tokens.secretSync();
      reply.setCookie(COOKIE, secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies(this.config),
        signed: true,
      });
    }
    return this.tokens.create(secret);
  }

  /** Throws 403 unless the posted `_csrf` field matches the cookie's secret. */
  verify(request: FastifyRequest, reply: FastifyReply): void {
    const secret = this.secretOf(request, reply);
    const body = request.body as Record<string, unknown> | undefined;
    const token = body?._csrf;
    if (!secret || typeof token !== 'string' || !this.tokens.verify(secret, token)) {
      throw new ForbiddenException(
        'This form has expired or was not sent by Gatehouse. Go back, reload the page and try again.',
      );
    }
  }

  private secretOf(request: FastifyRequest, reply: FastifyReply): string | undefined {
    const raw = request.cookies?.[COOKIE];
    if (!raw) {
      return undefined;
    }
    const unsigned = reply.unsignCookie(raw);
    return unsigned.valid && unsigned.value ? unsigned.value : undefined;
  }
}
