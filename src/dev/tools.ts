/**
 * Resolves the two Temporal servers the project runs on a developer machine and in CI, installing them into a
 * per-user cache when missing: the Temporal CLI (dev server + Web UI) and the Java time-skipping test server.
 * Nothing here is committed from Go or Maven; every install is atomic (build in a temp dir, then rename).
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Newest Temporal CLI tag that `go install` accepts (later tags carry a `replace` directive). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

const projectRoot = resolve(__dirname, '..', '..');
export const TEST_SERVER_POM = join(projectRoot, 'tools', 'temporal-test-server', 'pom.xml');

export class ToolchainMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolchainMissingError';
  }
}

type Log = (line: string) => void;

/** `${XDG_CACHE_HOME:-~/.cache}/apn-tier-engine` — outside the clone so fresh CI clones reuse earlier builds. */
export function cacheRoot(): string {
  const base =
    process.env.APN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'apn-tier-engine');
  mkdirSync(base, { recursive: true });
  return base;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Where the Temporal CLI comes from: `$TEMPORAL_CLI`, then `temporal` on PATH, then the cache, else a Go build. */
export async function resolveTemporalCli(log: Log = () => {}): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new ToolchainMissingError(`TEMPORAL_CLI points to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const dir = join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION);
  const cached = join(dir, 'temporal');
  if (existsSync(cached)) return cached;
  const go = onPath('go');
  if (!go) {
    throw new ToolchainMissingError(
      [
        'The Temporal CLI is needed (dev server and Web UI) and Go is not installed to build it.',
        'Either install Go (https://go.dev/dl/) and run this again, or install the Temporal CLI',
        '(https://docs.temporal.io/cli#install) and put `temporal` on PATH or set TEMPORAL_CLI=/path/to/temporal.',
      ].join('\n'),
    );
  }
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first run only; a few minutes)…`);
  const staging = mkdtempSync(join(cacheRoot(), '.temporal-cli-'));
  try {
    await execFileAsync(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: {
        ...process.env,
        GOBIN: staging,
        // The module proxy serves both modules and the checksum database (sum.golang.org is reached through it);
        // no `direct` fallback, since origins other than the proxy are not reachable from CI machines.
        GOPROXY: 'https://proxy.golang.org',
        GOSUMDB: 'sum.golang.org',
        GOTOOLCHAIN: 'local',
        GOFLAGS: '-buildvcs=false',
        CGO_ENABLED: '0',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    mkdirSync(dir, { recursive: true });
    renameSync(join(staging, 'temporal'), cached);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`Temporal CLI ready: ${cached}`);
  return cached;
}

function pinnedTestServerVersion(): string {
  const pom = readFileSync(TEST_SERVER_POM, 'utf8');
  const match = /<temporal\.test-server\.version>([^<]+)</.exec(pom);
  if (!match?.[1]) throw new Error(`${TEST_SERVER_POM} does not pin temporal.test-server.version`);
  return match[1];
}

/**
 * Path of an executable wrapper that runs `io.temporal.testserver.TestServer <port> [--enable-time-skipping]`.
 * `$TEMPORAL_TEST_SERVER` overrides; otherwise Maven resolves the pinned classpath into the cache once.
 */
export async function resolveTestServer(log: Log = () => {}): Promise<string> {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new ToolchainMissingError(`TEMPORAL_TEST_SERVER points to ${fromEnv}, which does not exist`);
    }
    return fromEnv;
  }
  const version = pinnedTestServerVersion();
  const dir = join(cacheRoot(), 'temporal-test-server', version);
  const wrapper = join(dir, 'temporal-test-server');
  if (existsSync(wrapper)) return wrapper;
  const java = onPath('java');
  const mvn = onPath('mvn');
  if (!java || !mvn) {
    throw new ToolchainMissingError(
      [
        `The time-skipping test server needs Java 17+ and Maven (missing: ${[!java && 'java', !mvn && 'mvn'].filter(Boolean).join(', ')}).`,
        'Install them (Debian: apt-get install openjdk-17-jdk-headless maven) and run this again,',
        'or set TEMPORAL_TEST_SERVER to an executable that runs the test server.',
      ].join('\n'),
    );
  }
  log(`Resolving the Temporal test server ${version} with Maven (first run only)…`);
  mkdirSync(dir, { recursive: true });
  const staging = mkdtempSync(join(dir, '.staging-'));
  try {
    const classpathFile = join(staging, 'classpath.txt');
    await execFileAsync(
      mvn,
      [
        '-q',
        '-B',
        '-f',
        TEST_SERVER_POM,
        `-Dmaven.repo.local=${join(cacheRoot(), 'maven-repo')}`,
        'dependency:build-classpath',
        `-Dmdep.outputFile=${classpathFile}`,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const classpath = readFileSync(classpathFile, 'utf8').trim();
    if (!classpath.includes('temporal-test-server')) throw new Error(`Maven produced no test-server classpath`);
    writeFileSync(join(staging, 'temporal-test-server'), wrapperScript(classpath), 'utf8');
    chmodSync(join(staging, 'temporal-test-server'), 0o755);
    renameSync(classpathFile, join(dir, 'classpath.txt'));
    renameSync(join(staging, 'temporal-test-server'), wrapper);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`Temporal test server ready: ${wrapper}`);
  return wrapper;
}

function wrapperScript(classpath: string): string {
  // Serial GC and C1-only JIT: the test server is small and short-lived, and start-up time is what counts.
  return [
    '#!/bin/sh',
    '# Written by apn-tier-engine src/dev/tools.ts: runs the Temporal time-skipping test server.',
    `exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -cp '${classpath}' io.temporal.testserver.TestServer "$@"`,
    '',
  ].join('\n');
}

/** Both tools, installed when missing; returns their paths. */
export async function ensureTools(log: Log = () => {}): Promise<{ temporalCli: string; testServer: string }> {
  const [temporalCli, testServer] = await Promise.all([resolveTemporalCli(log), resolveTestServer(log)]);
  return { temporalCli, testServer };
}

/** Version string of a resolved Temporal CLI, for start-up banners. */
export function temporalCliVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}
