import { execFileSync, spawn, spawnSync } from 'node:child_process';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Compiles the app as `npm run cli` does (tsconfig.build.json), into `outDir`. A spec file that
 * builds into a folder of its own never runs a file another spec is rewriting at that moment.
 */
export function buildCli(outDir = 'dist'): void {
  execFileSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      outDir,
      '--tsBuildInfoFile',
      `${outDir}/.tsbuildinfo.build`,
    ],
    { stdio: 'inherit' },
  );
}

/**
 * The CLI as users run it: the built program in its own process, with only `env` (the running
 * test server's environment, typically) and PATH; `input` is its standard input.
 */
export function runCli(
  args: string[],
  { env, input, outDir = 'dist' }: { env: Record<string, string>; input?: string; outDir?: string },
): CliRun {
  const result = spawnSync(process.execPath, [`${outDir}/src/cli/main.js`, ...args], {
    env: { PATH: process.env.PATH, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * {@link runCli} without blocking this process: for commands that talk to a server the test
 * itself runs (the loopback SMTP server of the mail tests), which spawnSync would starve.
 */
export function runCliAsync(
  args: string[],
  { env, outDir = 'dist' }: { env: Record<string, string>; outDir?: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${outDir}/src/cli/main.js`, ...args], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end();
  });
}
