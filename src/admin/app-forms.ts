import { UserInputError } from '../common/errors.js';
import { all, type FormFields, lines, text, ticked } from '../common/form-fields.js';
import { parseInput } from '../common/parse-input.js';
import { parseDurationOrZero } from '../config/duration.js';
import type { NewClient } from '../oauth/clients/clients.service.js';
import { NewAppSchema, RotateSecretSchema, toNewClient } from './admin.schemas.js';

const GRACE_PROBLEM =
  'The grace period must be 0 or a duration of at most 30d, such as 90s, 10m, 12h or 7d.';

/**
 * The registration form of /admin/apps/new, validated as the admin API's body (NewAppSchema):
 * a textarea line per URI, the ticked scope boxes as one space-separated scope.
 *
 * @throws UserInputError (InvalidInput from the schema) with what is wrong
 */
export function newClientFromForm(form: FormFields): NewClient {
  return toNewClient(
    parseInput(NewAppSchema, {
      name: text(form, 'name') ?? '',
      type: text(form, 'type') ?? '',
      redirect_uris: lines(form, 'redirect_uris'),
      post_logout_redirect_uris: lines(form, 'post_logout_redirect_uris'),
      // No box ticked: no scope, so every scope the type can use (as the CLI without --scope).
      scope: text(form, 'scope'),
      introspection: ticked(form, 'introspection'),
      logo_uri: text(form, 'logo_uri'),
      client_uri: text(form, 'client_uri'),
      // An unticked box is a "no", not "the API's default".
      allow_scope_removal: ticked(form, 'allow_scope_removal'),
      first_party: ticked(form, 'first_party'),
      token_exchange_audiences: all(form, 'token_exchange_audiences'),
      require_mfa: ticked(form, 'require_mfa'),
    }),
  );
}

/** The registration form's fields for the page: as posted when shown again, else a fresh form. */
export function registrationValues(form: FormFields, reshown: boolean) {
  return {
    name: text(form, 'name') ?? '',
    type: text(form, 'type') ?? 'web',
    redirect_uris: text(form, 'redirect_uris') ?? '',
    post_logout_redirect_uris: text(form, 'post_logout_redirect_uris') ?? '',
    scope: text(form, 'scope') ?? '',
    logo_uri: text(form, 'logo_uri') ?? '',
    client_uri: text(form, 'client_uri') ?? '',
    introspection: ticked(form, 'introspection'),
    firstParty: ticked(form, 'first_party'),
    tokenExchangeAudiences: all(form, 'token_exchange_audiences'),
    requireMfa: ticked(form, 'require_mfa'),
    // A fresh form allows scope removal; a re-shown one keeps what was posted.
    allow_scope_removal: reshown ? ticked(form, 'allow_scope_removal') : true,
  };
}

/**
 * The rotate form's grace period in seconds: empty for the default, `0`, or a duration such as
 * `12h`, within the admin API's bounds (RotateSecretSchema). A refusal speaks of the duration
 * the admin typed, not of the schema's seconds.
 *
 * @throws UserInputError when it is neither
 */
export function graceFromForm(form: FormFields): number | undefined {
  const typed = (text(form, 'grace') ?? '').trim();
  if (!typed) {
    return undefined;
  }
  const seconds = parseDurationOrZero(typed);
  if (seconds === undefined) {
    throw new UserInputError(GRACE_PROBLEM);
  }
  const parsed = RotateSecretSchema.safeParse({ grace_period: seconds });
  if (!parsed.success) {
    throw new UserInputError(GRACE_PROBLEM);
  }
  return parsed.data.grace_period;
}
