import {
  startEngine,
  WEB,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { revocationAnswersJson } from './revocation-json-body.js';

const revoke = {
  form: { token: 'not-a-token-the-engine-knows' },
  basic: { id: WEB.id, secret: WEB.secret },
};

describe('revocationAnswersJson, on the installed oidc-provider', () => {
  let bare: EngineUnderTest;
  let corrected: EngineUnderTest;
  beforeAll(async () => {
    bare = await startEngine();
    corrected = await startEngine({ corrections: [revocationAnswersJson()] });
  });
  afterAll(async () => {
    await bare.close();
    await corrected.close();
  });

  it('the engine answers a revocation 200 with an empty text/plain body', async () => {
    const response = await bare.request(PROVIDER_ROUTES.revocation, revoke);
    expect([response.status, response.headers.get('content-type'), response.text]).toEqual([
      200,
      'text/plain; charset=utf-8',
      '',
    ]);
  });

  it('answers it 200 with the JSON {}, which a strict JSON client accepts', async () => {
    const response = await corrected.request(PROVIDER_ROUTES.revocation, revoke);
    expect([response.status, response.headers.get('content-type'), response.text]).toEqual([
      200,
      'application/json; charset=utf-8',
      '{}',
    ]);
  });

  it("leaves the engine's errors as they are", async () => {
    const request = { form: { token: 'x' }, basic: { id: WEB.id, secret: 'wrong' } };
    const engine = await bare.request(PROVIDER_ROUTES.revocation, request);
    const response = await corrected.request(PROVIDER_ROUTES.revocation, request);
    expect([response.status, response.json]).toEqual([engine.status, engine.json]);
    expect(response.status).toBe(401);
  });
});
