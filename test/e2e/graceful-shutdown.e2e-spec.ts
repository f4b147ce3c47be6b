import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, runCli } from '../support/cli.js';
import { freePort } from '../support/test-app.js';

const OUT_DIR = 'dist/e2e-shutdown';

interface Answer {
  status: number;
  body: string;
}

/**
 * A client_credentials token request whose body arrives in two parts, `pause` ms apart: the
 * server has accepted it and is reading it in between — a request in flight.
 */
function slowTokenRequest(
  port: number,
  credentials: string,
  pause: number,
  halfway: () => void,
): Promise<Answer | 'refused' | 'dropped'> {
  const body = 'grant_type=client_credentials&scope=drive.read';
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/oauth/token',
        agent: false,
        headers: {
          authorization: `Basic ${credentials}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(body.length),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body: text }));
        response.on('error', () => resolve('dropped'));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'dropped'),
    );
    req.write(body.slice(0, 10));
    req.flushHeaders();
    setTimeout(() => {
      halfway();
      setTimeout(() => req.end(body.slice(10)), pause);
    }, 200);
  });
}

/** The real server process (`node dist/src/main.js`), as `npm start` runs it. */
describe('SIGTERM', () => {
  let server: ChildProcess;
  let dataDir: string;
  let port: number;
  let credentials: string;
  let output = '';

  beforeAll(async () => {
    buildCli(OUT_DIR);
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-shutdown-'));
    port = await freePort();
    const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'log' };
    const created = runCli(
      ['clients:create', '--name', 'Job', '--type', 'service', '--scope', 'drive.read', '--json'],
      { env, outDir: OUT_DIR },
    );
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    credentials = Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64');
    server = spawn(process.execPath, [`${OUT_DIR}/src/main.js`], {
      env: { PATH: process.env.PATH, ...env },
    });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let i = 0; i < 300 && !output.includes('Gatehouse listening'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toContain('Gatehouse listening');
  }, 120_000);

  afterAll(() => {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the requests in flight, refuses new connections, and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    let signalled = false;
    // Ten requests half-sent when SIGTERM arrives; they finish 500 ms later.
    const inFlight = Array.from({ length: 10 }, () =>
      slowTokenRequest(port, credentials, 500, () => {
        if (!signalled) {
          signalled = true;
          server.kill('SIGTERM');
        }
      }),
    );
    const answers = await Promise.all(inFlight);
    for (const answer of answers) {
      expect(answer).toEqual({ status: 200, body: expect.stringContaining('"access_token"') });
    }
    // A new connection after the listener closed is refused, not left hanging.
    const late = await slowTokenRequest(port, credentials, 0, () => undefined);
    expect(late).toBe('refused');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: finishing the requests in flight, then stopping');
    expect(output).toContain('Stopped');
  });
});
