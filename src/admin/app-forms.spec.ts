import { UserInputError } from '../common/errors.js';
import { graceFromForm, newClientFromForm } from './app-forms.js';

describe('application forms', () => {
  it('reads the registration form into what the admin API registers', () => {
    expect(
      newClientFromForm({
        _csrf: 'token',
        name: 'Notes',
        type: 'web',
        redirect_uris: 'https://a.example/cb\r\nhttps://b.example/cb\n',
        scope: ['openid', 'drive.read'],
        first_party: 'on',
        require_mfa: 'on',
        logo_uri: '',
        token_exchange_audiences: 'https://id.example/api',
      }),
    ).toEqual({
      name: 'Notes',
      type: 'web',
      redirectUris: ['https://a.example/cb', 'https://b.example/cb'],
      postLogoutRedirectUris: [],
      scope: 'openid drive.read',
      introspection: false,
      logoUri: '',
      clientUri: undefined,
      // Unticked: no, whatever the API's default.
      allowScopeRemoval: false,
      firstParty: true,
      tokenExchangeAudiences: ['https://id.example/api'],
      requireMfa: true,
    });
  });

  it("refuses what the admin API's schema refuses, each problem apart", () => {
    expect(() => newClientFromForm({ name: 'x', type: 'toaster' })).toThrow(
      'type must be one of web, spa, native, device, service',
    );
    const uris = Array.from({ length: 21 }, (_, i) => `https://x${i}.example/cb`).join('\n');
    expect(() => newClientFromForm({ name: 'x', type: 'spa', redirect_uris: uris })).toThrow(
      'at most 20 URIs',
    );
  });

  it.each([
    ['', undefined],
    ['  ', undefined],
    ['0', 0],
    ['00h', 0],
    ['90s', 90],
    [' 12h ', 43_200],
    ['30d', 2_592_000],
  ])('reads the grace period %j as %j seconds', (grace, seconds) => {
    expect(graceFromForm({ grace })).toBe(seconds);
  });

  it.each(['31d', '2592001', '-1', '1.5h', 'soon', ['1h', '2h']])(
    'refuses the grace period %j in the words of the form',
    (grace) => {
      expect(() => graceFromForm({ grace })).toThrow(
        new UserInputError(
          'The grace period must be 0 or a duration of at most 30d, such as 90s, 10m, 12h or 7d.',
        ),
      );
    },
  );
});
