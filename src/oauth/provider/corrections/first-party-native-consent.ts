import type { InteractionPolicy, KoaContextWithOIDC } from '../engine.js';
import { ENGINE_NAMES } from './engine-text.js';

/**
 * The engine's prompts, with one change: its consent check for native apps, which asks their
 * user at every authorization because anyone can use a native app's client_id (RFC 8252 §8.6),
 * spares the apps `isFirstParty` names: the operator's own (registered --first-party), which
 * the operator vouches for — §8.6 makes the exception "when the identity of the client can be
 * assured".
 */
export function spareFirstPartyNativeApps(
  policy: InteractionPolicy,
  isFirstParty: (ctx: KoaContextWithOIDC) => boolean,
): InteractionPolicy {
  const native = policy.get(ENGINE_NAMES.consentPrompt)?.checks.get(ENGINE_NAMES.nativeClientCheck);
  if (!native) {
    throw new Error(
      `oidc-provider's ${ENGINE_NAMES.consentPrompt} prompt has no ${ENGINE_NAMES.nativeClientCheck} check`,
    );
  }
  const ask = native.check;
  native.check = (ctx) => (isFirstParty(ctx) ? false : ask(ctx));
  return policy;
}
