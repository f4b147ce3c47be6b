import { startEngine, type EngineUnderTest } from '../../../../test/support/engine-under-test.js';
import { hashClientSecret } from '../../clients/client-secret.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { compareHashedClientSecrets } from './hashed-client-secrets.js';

const CLIENT = { id: 'hashed', secret: 'the-current-secret' };
const PREVIOUS = 'the-previous-secret';

describe('compareHashedClientSecrets, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  beforeAll(async () => {
    under = await startEngine({
      configuration: {
        clients: [
          {
            client_id: CLIENT.id,
            client_secret: hashClientSecret(CLIENT.secret),
            previous_secret_hash: hashClientSecret(PREVIOUS),
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
          },
        ],
      },
    });
  });
  afterAll(() => under.close());

  const authenticate = (secret: string) =>
    under.request(PROVIDER_ROUTES.token, {
      basic: { id: CLIENT.id, secret },
      form: { grant_type: 'client_credentials' },
    });

  it('the engine compares the presented secret with client_secret as stored', async () => {
    expect((await authenticate(hashClientSecret(CLIENT.secret))).status).toBe(200);
    expect((await authenticate(CLIENT.secret)).status).toBe(401);
  });

  it('corrected, the secret authenticates and its digest does not; the previous one works too', async () => {
    compareHashedClientSecrets(under.engine);
    expect((await authenticate(CLIENT.secret)).status).toBe(200);
    expect((await authenticate(PREVIOUS)).status).toBe(200);
    expect((await authenticate(hashClientSecret(CLIENT.secret))).status).toBe(401);
    expect((await authenticate('wrong')).status).toBe(401);
  });
});
