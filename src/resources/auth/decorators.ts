import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';
import type { ScopeRequirement } from './scope-requirements.js';

export { IS_PUBLIC, Public } from '../../common/public.decorator.js';

export const SCOPE_REQUIREMENTS = 'gatehouse:scope-requirements';
export const REQUIRES_USER = 'gatehouse:requires-user';

/**
 * Requires every listed scope, e.g. `@Scopes('drive.read')`. On a controller it applies to all
 * its handlers, in addition to the handlers' own requirements. A token without them gets 403
 * `insufficient_scope` (RFC 6750 §3.1).
 */
export function Scopes(...scopes: [string, ...string[]]): ClassDecorator & MethodDecorator {
  return addRequirement({ mode: 'all', scopes });
}

/** Requires at least one of the listed scopes, e.g. `@AnyScope('drive.read', 'drive.write')`. */
export function AnyScope(...scopes: [string, ...string[]]): ClassDecorator & MethodDecorator {
  return addRequirement({ mode: 'any', scopes });
}

/**
 * Requires a token a user authorized: a client_credentials token (a service acting for itself)
 * gets 403 `insufficient_scope`. For operations on a user's own data.
 */
export const RequiresUser = () => SetMetadata(REQUIRES_USER, true);

/**
 * The verified access token of the request, e.g. `list(@AccessToken() token: AccessTokenContext)`.
 * Only on handlers behind the guard; on a `@Public()` one it is undefined. Read-only: a verified
 * JWT's context is cached and shared by the requests that present the same token (it is frozen).
 */
export const AccessToken = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AccessTokenContext | undefined =>
    context.switchToHttp().getRequest<{ accessToken?: AccessTokenContext }>().accessToken,
);

/**
 * Appends (rather than replaces, as SetMetadata would) so that several decorators on one target
 * all apply.
 */
function addRequirement(requirement: ScopeRequirement): ClassDecorator & MethodDecorator {
  if (requirement.scopes.length === 0 || requirement.scopes.some((scope) => !/^\S+$/.test(scope))) {
    throw new Error('Scope decorators need at least one scope, each without spaces');
  }
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor?.value ?? target) as object;
    const existing = (Reflect.getMetadata(SCOPE_REQUIREMENTS, holder) ?? []) as ScopeRequirement[];
    Reflect.defineMetadata(SCOPE_REQUIREMENTS, [...existing, requirement], holder);
  };
}
