import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { Tokens } from '@fastify/csrf';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, secureCookies, type AppConfig } from '../config/app-config.js';

const COOKIE = 'gatehouse.csrf';

/** What a form is bound to when it is about no one thing in particular (account, admin). */
const ANY_PAGE = 'page';

/**
 * Synchronizer tokens for our HTML forms (OWASP CSRF cheat sheet): a random secret in a signed,
 * HttpOnly cookie and a token derived from it in each form. A post without both is refused.
 *
 * A token is also bound to a purpose: a form for one thing cannot be replayed against another
 * in the same browser. Sign-in and consent forms are bound to their interaction, so that a
 * form only completes the authorization request it was rendered for (RFC 6749 §10.12: the
 * request's state, not just the browser's); see {@link interactionPurpose}.
 */
@Injectable()
export class CsrfService {
  private readonly tokens = new Tokens({ userInfo: true });

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * A token for a form on the page being rendered, for `purpose`; sets the secret cookie when
   * missing.
   */
  issue(request: FastifyRequest, reply: FastifyReply, purpose = ANY_PAGE): string {
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
    return this.tokens.create(secret, purpose);
  }

  /** Throws 403 unless the posted `_csrf` field matches the cookie's secret and `purpose`. */
  verify(request: FastifyRequest, reply: FastifyReply, purpose = ANY_PAGE): void {
    const secret = this.secretOf(request, reply);
    const body = request.body as Record<string, unknown> | undefined;
    const token = body?._csrf;
    if (!secret || typeof token !== 'string' || !this.tokens.verify(secret, token, purpose)) {
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

/** The purpose of the forms of one sign-in or consent page (oidc-provider interaction `uid`). */
export function interactionPurpose(uid: string): string {
  return `interaction:${uid}`;
}
