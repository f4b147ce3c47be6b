import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { Public } from '../common/public.decorator.js';
import type { UserEntity } from '../identity/user.entity.js';
import {
  PAGE_ACCESS,
  type PageAccess,
  type PageRequest,
  PageSessionGuard,
} from './page-session.guard.js';
import { SecondFactorSetupRedirectFilter, SignInRedirectFilter } from './sign-in-required.js';

/**
 * A page for any signed-in user (see PageSessionGuard for what everyone else gets). A sign-in
 * comes back to the bare path: the query of an account page is a one-time notice ("… can no
 * longer use your account") that would be stale by then.
 */
export const SignedInPage = () => pageAccess({ adminOnly: false, returnWithQuery: false });

/**
 * The pages where a second factor is set up: for any signed-in user, even one the MFA policy
 * sends there before anything else. A sign-in comes back with the query (where to continue).
 */
export const SecondFactorSetupPage = () =>
  pageAccess({ adminOnly: false, returnWithQuery: true, secondFactorSetup: true });

/**
 * A page for administrators only. A sign-in comes back with the query: on admin pages it holds
 * what the admin asked to see (the audit trail's filters).
 */
export const AdminPage = () => pageAccess({ adminOnly: true, returnWithQuery: true });

/** The signed-in user of a `@SignedInPage()` or `@AdminPage()` handler. */
export const PageUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UserEntity | undefined =>
    context.switchToHttp().getRequest<PageRequest>().pageUser,
);

function pageAccess(access: PageAccess) {
  return applyDecorators(
    // Pages use the browser session, not a bearer token: the global access token guard lets
    // them through and this guard takes over.
    Public(),
    SetMetadata(PAGE_ACCESS, access),
    UseGuards(PageSessionGuard),
    UseFilters(SignInRedirectFilter, SecondFactorSetupRedirectFilter),
  );
}
