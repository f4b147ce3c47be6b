import { execFileSync, spawnSync } from 'node:child_process';

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
