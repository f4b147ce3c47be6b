import { basePolicy, type KoaContextWithOIDC } from '../engine.js';
import { ENGINE_NAMES } from './engine-text.js';
import { spareFirstPartyNativeApps } from './first-party-native-consent.js';

/** The part of a request the engine's native-client check reads. */
function authorizationBy(applicationType: 'native' | 'web', firstParty = false) {
  return {
    oidc: {
      client: { applicationType, first_party: firstParty },
      params: { response_type: 'code' },
      result: undefined,
    },
  } as unknown as KoaContextWithOIDC;
}

const nativeCheck = (policy: ReturnType<typeof basePolicy>) =>
  policy.get(ENGINE_NAMES.consentPrompt)?.checks.get(ENGINE_NAMES.nativeClientCheck);

describe('spareFirstPartyNativeApps, on the installed oidc-provider', () => {
  it("the engine's consent prompt has the check, and it asks native apps, not web apps", async () => {
    const check = nativeCheck(basePolicy());
    expect(check).toBeDefined();
    expect(await check!.check(authorizationBy('native'))).toBe(true);
    expect(await check!.check(authorizationBy('web'))).toBe(false);
  });

  it('spares first-party native apps, and asks every other native app still', async () => {
    const policy = spareFirstPartyNativeApps(
      basePolicy(),
      (ctx) => (ctx.oidc.client as unknown as { first_party: boolean }).first_party,
    );
    const check = nativeCheck(policy)!;
    expect(await check.check(authorizationBy('native', true))).toBe(false);
    expect(await check.check(authorizationBy('native'))).toBe(true);
    expect(await check.check(authorizationBy('web'))).toBe(false);
  });

  it('says so at start when the engine no longer has the check', () => {
    const policy = basePolicy();
    policy.get(ENGINE_NAMES.consentPrompt)!.checks.remove(ENGINE_NAMES.nativeClientCheck);
    expect(() => spareFirstPartyNativeApps(policy, () => true)).toThrow(
      ENGINE_NAMES.nativeClientCheck,
    );
  });
});
