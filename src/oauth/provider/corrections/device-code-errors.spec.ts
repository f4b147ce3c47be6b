import {
  cookiesOf,
  DEVICE,
  recordingViews,
  startEngine,
  type EngineUnderTest,
} from '../../../../test/support/engine-under-test.js';
import { devicePages, WRONG_USER_CODE } from '../device-pages.js';
import { PROVIDER_ROUTES } from '../routes.js';
import { codePageAfter } from './device-code-errors.js';
import { ENGINE_NAMES } from './engine-text.js';

const { noCode, notFound, expired, alreadyUsed, aborted } = ENGINE_NAMES.deviceCodeErrors;

describe('codePageAfter, on the installed oidc-provider', () => {
  let under: EngineUnderTest;
  const { views, pages } = recordingViews();
  /** The errors the engine handed userCodeInputSource, and whether it marked a wrong code. */
  const seen: { err?: Error & { userCode?: string }; wrongCode: boolean }[] = [];

  beforeAll(async () => {
    const ours = devicePages(views);
    under = await startEngine({
      configuration: {
        features: {
          deviceFlow: {
            enabled: true,
            ...ours,
            userCodeInputSource(ctx, form, out, err) {
              ours.userCodeInputSource(ctx, form, out, err);
              seen.push({ err, wrongCode: ctx.state[WRONG_USER_CODE] === true });
            },
          },
        },
      },
    });
  });
  afterAll(() => under.close());

  /** A device code's user code (as the device shows it), after `change` to what is stored. */
  async function userCode(change?: (code: Record<string, unknown>) => void): Promise<string> {
    const response = await under.request(PROVIDER_ROUTES.device_authorization, {
      form: { client_id: DEVICE.id, scope: 'openid' },
    });
    const { device_code: deviceCode, user_code: shown } = response.json as Record<string, string>;
    if (change) {
      const stored = (await under.engine.DeviceCode.find(deviceCode))!;
      change(stored as unknown as Record<string, unknown>);
      await stored.save();
    }
    return shown;
  }

  /** Posts the code page as a browser would: with the session and form secret it was given. */
  async function submit(form: Record<string, string>) {
    const page = await under.request(PROVIDER_ROUTES.code_verification);
    const xsrf = String(pages.at(-1)?.data.xsrf);
    seen.length = 0;
    const response = await under.request(PROVIDER_ROUTES.code_verification, {
      headers: { cookie: cookiesOf(page) },
      form: { xsrf, ...form },
    });
    return { response, ...seen[0], page: pages.at(-1)! };
  }

  it('the code page, at first, has no error', async () => {
    const response = await under.request(PROVIDER_ROUTES.code_verification);
    expect(response.status).toBe(200);
    expect(pages.at(-1)).toMatchObject({ template: 'device', data: { status: 200, userCode: '' } });
  });

  it(`no code: the engine's ${noCode}`, async () => {
    const { response, err, page } = await submit({ user_code: '' });
    expect(err?.name).toBe(noCode);
    expect(response.status).toBe(400);
    expect(page.data).toMatchObject({ error: 'Enter the code shown on your device.' });
  });

  it(`an unknown code: the engine's ${notFound}, with the code typed; counted as wrong`, async () => {
    const { response, err, wrongCode, page } = await submit({ user_code: 'bcdf-ghjk' });
    expect(err?.name).toBe(notFound);
    expect(err?.userCode).toBe('bcdf-ghjk');
    expect(wrongCode).toBe(true);
    expect(response.status).toBe(400);
    expect(page.data).toMatchObject({
      userCode: 'bcdf-ghjk',
      error: 'That code is not valid. Check the code on your device and try again.',
    });
  });

  it(`an expired code: the engine's ${expired}, not counted as wrong`, async () => {
    const code = await userCode((stored) => {
      stored.exp = Math.floor(Date.now() / 1000) - 1;
    });
    const { response, err, wrongCode, page } = await submit({ user_code: code });
    expect(err?.name).toBe(expired);
    expect(wrongCode).toBe(false);
    expect(response.status).toBe(400);
    expect(page.data).toMatchObject({
      userCode: code,
      error: 'That code has expired. Start again on your device.',
    });
  });

  it(`a code already used: the engine's ${alreadyUsed}`, async () => {
    const code = await userCode((stored) => {
      stored.accountId = 'someone';
    });
    const { response, err, page } = await submit({ user_code: code });
    expect(err?.name).toBe(alreadyUsed);
    expect(response.status).toBe(400);
    expect(page.data).toMatchObject({
      error: 'That code was already used. Start again on your device.',
    });
  });

  it(`cancelled on the confirmation page: the engine's ${aborted}, a notice and no code`, async () => {
    const code = await userCode();
    const { response, err, page } = await submit({ user_code: code, abort: 'yes' });
    expect(err?.name).toBe(aborted);
    expect(response.status).toBe(200);
    expect(page.data).toMatchObject({ userCode: '', notice: 'The device was not connected.' });
    expect(page.data.error).toBeUndefined();
  });

  it('any other error: a generic message', () => {
    expect(codePageAfter(new Error('something new'))).toEqual({
      userCode: '',
      error: 'The request could not be completed. Start again on your device.',
      status: 400,
      wrongCode: false,
    });
  });
});
