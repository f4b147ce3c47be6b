import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashId } from '../common/hash-id.js';
import { sha256Base64url } from '../common/sha256.js';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, secureCookies, type AppConfig } from '../config/app-config.js';
import type { UserEntity } from '../identity/user.entity.js';
import {
  provedSecondFactor,
  methodsOf,
  signInMethods,
} from '../identity/second-factors/authentication-methods.js';
import { SecondFactors } from '../identity/second-factors/second-factors.service.js';
import { UsersService } from '../identity/users.service.js';
import { ACCOUNT_CALLBACK_PATH, ACCOUNT_CLIENT_ID } from '../oauth/provider/first-party-clients.js';
import {
  recordSessionMethods,
  signedInSession,
  type BrowserSession,
  type Engine,
} from '../oauth/provider/engine.js';
import { OIDC_PROVIDER } from '../oauth/provider/oidc-provider.token.js';
import { PROVIDER_ROUTES } from '../oauth/provider/routes.js';

/** The signed cookie that carries one sign-in attempt from /account/sign-in to the callback. */
const SIGN_IN_COOKIE = 'gatehouse.account_sign_in';
const SIGN_IN_TTL_SECONDS = 600;

/** The pages a sign-in may return to: ours, never another site (no open redirect). */
const RETURN_TO = /^\/(account|admin)(\/[A-Za-z0-9._~\-/]*)?(\?[A-Za-z0-9._~\-=&%]*)?$/;

interface SignInAttempt {
  state: string;
  verifier: string;
  returnTo: string;
}

/** Why a callback was refused; the page says so and offers to start again. */
export class SignInFailed extends Error {
  override readonly name = 'SignInFailed';
}

/**
 * Who is signed in to the account and admin pages. There is one sign-in for the whole server:
 * oidc-provider's session, the same one applications rely on. When there is none, the pages
 * send the browser through the ordinary authorization endpoint and login page as the
 * first-party client (authorization code + PKCE + state, RFC 9700 §2.1); the callback checks
 * the code in-process and consumes it. Signing out is oidc-provider's end-session endpoint.
 */
@Injectable()
export class AccountSession {
  constructor(
    @Inject(OIDC_PROVIDER) private readonly provider: Engine,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly secondFactors: SecondFactors,
  ) {}

  /**
   * The signed-in user, or undefined. A person with a second factor whose session's sign-in
   * did not prove it (they stopped after the password) is not signed in here: the sign-in
   * this leads to asks for it.
   */
  async user(request: FastifyRequest, reply: FastifyReply): Promise<UserEntity | undefined> {
    const session = await this.session(request, reply);
    if (!session.accountId) {
      return undefined;
    }
    const user = await this.users.findById(session.accountId);
    if (!user) {
      return undefined;
    }
    if (!provedSecondFactor(session.amr) && (await this.secondFactors.has(user.id))) {
      return undefined;
    }
    return user;
  }

  /**
   * Records in this browser's session that its person just proved a one-time code (setting
   * up an authenticator app): the apps and pages that need a second factor take it as done.
   */
  async recordOneTimeCode(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const session = await this.session(request, reply);
    await recordSessionMethods(
      this.provider,
      request.raw,
      reply.raw,
      signInMethods([...methodsOf(session.amr), 'otp']),
    );
  }

  /** The row key of this browser's session (see hash-id.ts), if it has one. */
  async sessionKey(request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
    const session = await this.session(request, reply);
    return session.accountId && session.id ? hashId(session.id) : undefined;
  }

  /** Answers with a redirect through the login page, back to `returnTo` afterwards. */
  startSignIn(request: FastifyRequest, reply: FastifyReply, returnTo: string): FastifyReply {
    const attempt: SignInAttempt = {
      state: randomBytes(16).toString('base64url'),
      verifier: randomBytes(32).toString('base64url'),
      returnTo: RETURN_TO.test(returnTo) ? returnTo : '/account',
    };
    reply.setCookie(SIGN_IN_COOKIE, JSON.stringify(attempt), {
      path: '/account',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies(this.config),
      signed: true,
      maxAge: SIGN_IN_TTL_SECONDS,
    });
    const authorize = new URL(`${this.config.issuer}${PROVIDER_ROUTES.authorization}`);
    authorize.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${this.config.issuer}${ACCOUNT_CALLBACK_PATH}`,
      scope: 'openid',
      state: attempt.state,
      code_challenge: challengeOf(attempt.verifier),
      code_challenge_method: 'S256',
    }).toString();
    return reply.code(303).header('Cache-Control', 'no-store').redirect(authorize.href);
  }

  /**
   * Completes a sign-in: the state must be this browser's, and the code must be the
   * first-party client's, unused, bound to this attempt's PKCE verifier and to the account
   * now signed in. Returns where to go next.
   *
   * @throws SignInFailed for anything else.
   */
  async finishSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    query: Record<string, unknown>,
  ): Promise<string> {
    const attempt = this.attemptOf(request, reply);
    reply.clearCookie(SIGN_IN_COOKIE, { path: '/account' });
    if (!attempt || typeof query.state !== 'string' || !equal(query.state, attempt.state)) {
      throw new SignInFailed('This sign-in has expired or was started elsewhere.');
    }
    if (typeof query.error === 'string') {
      throw new SignInFailed('The sign-in was cancelled.');
    }
    const code =
      typeof query.code === 'string'
        ? await this.provider.AuthorizationCode.find(query.code)
        : undefined;
    if (
      !code ||
      code.clientId !== ACCOUNT_CLIENT_ID ||
      (code as { consumed?: unknown }).consumed ||
      !code.codeChallenge ||
      !equal(challengeOf(attempt.verifier), code.codeChallenge)
    ) {
      throw new SignInFailed('This sign-in could not be completed.');
    }
    await code.consume();
    if ((await this.accountId(request, reply)) !== code.accountId) {
      throw new SignInFailed('This sign-in could not be completed.');
    }
    return attempt.returnTo;
  }

  private async accountId(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<string | undefined> {
    return (await this.session(request, reply)).accountId;
  }

  private session(request: FastifyRequest, reply: FastifyReply): Promise<BrowserSession> {
    return signedInSession(this.provider, request.raw, reply.raw);
  }

  private attemptOf(request: FastifyRequest, reply: FastifyReply): SignInAttempt | undefined {
    const raw = request.cookies?.[SIGN_IN_COOKIE];
    const unsigned = raw ? reply.unsignCookie(raw) : undefined;
    if (!unsigned?.valid || !unsigned.value) {
      return undefined;
    }
    try {
      const attempt = JSON.parse(unsigned.value) as Partial<SignInAttempt>;
      return typeof attempt.state === 'string' &&
        typeof attempt.verifier === 'string' &&
        typeof attempt.returnTo === 'string' &&
        RETURN_TO.test(attempt.returnTo)
        ? (attempt as SignInAttempt)
        : undefined;
    } catch {
      return undefined;
    }
  }
}

function challengeOf(verifier: string): string {
  return sha256Base64url(verifier);
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
