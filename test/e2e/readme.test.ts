/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The README, run as written. Its ```sh blocks are read from README.md itself (never copied here) and run with bash
 * in the project folder, as a reader would paste them:
 * - Quick start step 2: `npm start` on the README's default ports (3000, 7233, 8233), whose banner must match the
 *   ```text block under it (`…` stands for anything);
 * - step 3: the curl walk-through in one shell session, after the `export APN_TOKEN_…` lines npm start printed;
 * - the CLI section: `npx apn scorecard …` and `npx apn token …`.
 * Every `# → <pattern>` comment is what the command before it prints (`…` stands for anything; the patterns of a block
 * must appear in its output in their order), and every command of those sections must have one, so a README edit
 * that breaks a command or changes what it prints fails here. Then SIGTERM to npm must free the ports.
 *
 * Also `npx apn …` itself (issue 9): through the npx executable from the project folder, with CONTRACT's exit codes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import { eventually, request, startApiHarness } from '../api/harness';
import { consultingEvidence } from '../support/evidence';
import { BANNER, cleanEnv, NpmStart, portOpen } from '../support/npm-start';

const root = join(__dirname, '..', '..');
const README_PORTS = [3000, 7233, 8233];

jest.setTimeout(300_000);

// ---------------------------------------------------------------------------------------------------------------
// Reading README.md

interface Block {
  lang: string;
  code: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
  section: Section | undefined;
}

type Section = 'install' | 'start' | 'api' | 'tests' | 'cli' | 'payments' | 'reseller';

/** Where each section starts; a section runs to the next marker. */
const SECTION_MARKERS: [Section | undefined, string][] = [
  ['install', '1. **Install**'],
  ['start', '2. **Start everything**'],
  ['api', '3. **Use the API**'],
  // The console is used in a browser: test/console/ drives it in Chromium; no shell command to run here.
  [undefined, '4. **Use the console**'],
  ['tests', '5. **Run the tests**'],
  ['cli', "Evaluate a partner's evidence without any server"],
  [undefined, '## Configuration'],
  ['payments', '**Paying the fee and funding Advance Pay'],
  [undefined, '**Notifications.**'],
  ['reseller', '## Reseller billing walk-through'],
  [undefined, '## Operating partners that live for years'],
];

function readReadme(): { blocks: Block[]; sectionText: (s: Section) => string } {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
  const starts = SECTION_MARKERS.map(([section, marker]) => {
    const at = lines.findIndex((l) => l.trimStart().startsWith(marker));
    if (at < 0) throw new Error(`README.md has no line starting with "${marker}": this suite finds its sections by it`);
    return { section, at };
  });
  const sectionAt = (i: number) => [...starts].reverse().find((s) => s.at <= i && i >= starts[0]!.at)?.section;
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w+)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    blocks.push({ lang: open[2]!, code: body.join('\n'), line: i + 1, section: sectionAt(i) });
    i = j;
  }
  const sectionText = (section: Section) => {
    const from = starts.findIndex((s) => s.section === section);
    return lines.slice(starts[from]!.at, starts[from + 1]!.at).join('\n');
  };
  return { blocks, sectionText };
}

/** A documented output: literal text where `…` stands for anything (within one line). */
function patternRegex(pattern: string, anchored = false): RegExp {
  const body = pattern
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(anchored ? `^${body}$` : body);
}

interface Command {
  text: string;
  expectations: string[];
}

/**
 * Splits a shell block into its commands (following quotes and `\` continuations) with their `# →` expectations:
 * on the command's own last line, or on comment lines after it.
 */
function commandsOf(code: string): Command[] {
  const commands: Command[] = [];
  let current = '';
  let quote: string | undefined;
  for (const line of code.split('\n')) {
    let comment: string | undefined;
    let text = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        text += c;
        if (c === '\\' && quote === '"') text += line[++i] ?? '';
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') {
        quote = c;
        text += c;
      } else if (c === '\\') {
        text += c + (line[++i] ?? '');
      } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
        comment = line.slice(i);
        break;
      } else text += c;
    }
    const expectation = comment && /^#\s*→\s*(.*?)\s*$/.exec(comment)?.[1];
    current += (current ? '\n' : '') + text;
    const continues = quote !== undefined || /\\\s*$/.test(text);
    if (!continues) {
      if (current.trim()) commands.push({ text: current.trim(), expectations: [] });
      current = '';
    }
    if (expectation) {
      const owner = commands.at(-1);
      if (!owner) throw new Error(`"# → ${expectation}" comes before any command`);
      owner.expectations.push(expectation);
    }
  }
  return commands;
}

/** Each expectation must match a line of `output`, in order (the same line may hold several: curl adds no newline). */
function unmet(expectations: string[], output: string): string | undefined {
  const lines = output.split('\n');
  let at = 0;
  for (const expectation of expectations) {
    const re = patternRegex(expectation);
    const found = lines.findIndex((line, i) => i >= at && re.test(line));
    if (found < 0) return expectation;
    at = found;
  }
  return undefined;
}

/** Whether a block only reads (no request body, no method other than GET): safe to run again a moment later. */
const readOnly = (code: string) => !/(^|\s)(-X|--request|-d|--data\S*)\s/.test(code);

// ---------------------------------------------------------------------------------------------------------------
// Running commands

/** One bash session, like a terminal: variables and exports carry over from one block to the next. */
class Shell {
  private readonly bash;
  private text = '';
  private waiting: (() => void) | undefined;
  private count = 0;

  constructor(env: NodeJS.ProcessEnv) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd: root, env, stdio: 'pipe' });
    const collect = (chunk: Buffer) => {
      this.text += chunk.toString();
      this.waiting?.();
    };
    this.bash.stdout.on('data', collect);
    this.bash.stderr.on('data', collect);
  }

  /** Runs `script` as typed into the terminal; resolves with everything it printed. */
  async run(script: string, timeoutMs = 120_000): Promise<string> {
    const marker = `__readme_block_${++this.count}_done__`;
    const from = this.text.length;
    this.bash.stdin.write(`${script}\nprintf '\\n%s\\n' '${marker}'\n`);
    const deadline = Date.now() + timeoutMs;
    while (!this.text.includes(`${marker}\n`, from)) {
      if (Date.now() > deadline) {
        throw new Error(
          `bash did not finish within ${timeoutMs} ms:\n${script}\n--- what it printed so far:\n${this.text.slice(from)}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 500);
      });
    }
    return this.text.slice(from, this.text.indexOf(`${marker}\n`, from)).replace(/\n$/, '');
  }

  close(): void {
    this.bash.stdin.end();
  }
}

/**
 * Runs a README block in `shell` and checks its `# →` expectations; a block that only reads is run again for up to
 * `settleMs` while its output does not match yet (as a reader would a moment later: the workflows work asynchronously).
 */
async function runBlock(shell: Shell, block: Block, settleMs = 0): Promise<string> {
  const commands = commandsOf(block.code);
  const expectations = commands.flatMap((c) => c.expectations);
  const deadline = Date.now() + settleMs;
  for (;;) {
    const output = await shell.run(block.code);
    const missing = unmet(expectations, output);
    if (missing === undefined) return output;
    if (!readOnly(block.code) || Date.now() > deadline) {
      throw new Error(
        `README.md line ${block.line}: the output does not show "${missing}" (after the expectations before it).\n` +
          `Block:\n${block.code}\n\nOutput:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Every command that does something must say what it prints; assignments like API=… need not. */
function expectEveryCommandDocumented(blocks: Block[]): void {
  for (const block of blocks) {
    for (const command of commandsOf(block.code)) {
      if (/^[A-Za-z_]\w*=\S*$/.test(command.text)) continue;
      if (command.expectations.length === 0) {
        throw new Error(`README.md line ${block.line}: "${command.text}" has no "# → …" comment saying what it prints`);
      }
    }
  }
}

async function npx(args: string[], env: NodeJS.ProcessEnv) {
  return await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('npx', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// ---------------------------------------------------------------------------------------------------------------

const dataDir = join(mkdtempSync(join(tmpdir(), 'apn-readme-')), '.data');
const readme = readReadme();
const blocksOf = (section: Section, lang = 'sh') =>
  readme.blocks.filter((b) => b.section === section && b.lang === lang);

describe('npx apn from the project folder, through the npx executable (CONTRACT §2/§3 exit codes)', () => {
  const env = cleanEnv({ DATA_DIR: dataDir });

  test('npx apn --help lists the commands and exits 0', async () => {
    const r = await npx(['apn', '--help'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: apn /);
    for (const command of ['scorecard', 'simulate', 'token'])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test('npx apn scorecard: the Scorecard JSON and exit 0; invalid evidence exits 2 with every problem on stderr', async () => {
    const ok = await npx(
      ['apn', 'scorecard', 'test/fixtures/evidence/consulting-premier.json', '--as-of', '2019-12-13'],
      env,
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ asOf: '2019-12-13', highestTierMet: 'premier' });
    const bad = await npx(['apn', 'scorecard', 'test/fixtures/evidence/invalid.json', '--as-of', '2019-12-13'], env);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^individuals\[0\]\.registeredOn: /);
  });

  test('npx apn token: a token and exit 0; an unknown role exits 2', async () => {
    const ok = await npx(['apn', 'token', '--role', 'program-admin'], env);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+\n$/);
    const bad = await npx(['apn', 'token', '--role', 'root'], env);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^--role: unknown role 'root'/);
  });

  test('npx apn simulate: the example scenario prints its timeline and exits 0; an invalid scenario exits 2', async () => {
    const ok = await npx(['apn', 'simulate', 'examples/premier-two-years.json'], env);
    expect(ok.status).toBe(0);
    const timeline = JSON.parse(ok.stdout) as { type: string; to?: string }[];
    expect(timeline.filter((e) => e.type === 'tier-changed').map((e) => e.to)).toEqual(['premier', 'registered']);
    const file = join(mkdtempSync(join(tmpdir(), 'apn-readme-sim-')), 'bad.json');
    writeFileSync(file, JSON.stringify({ partner: { id: 'Bad Id' }, start: '2019-01-01', until: '2018-01-01' }));
    const bad = await npx(['apn', 'simulate', file], env);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('partner.id:');
  });
});

test('every file or folder the README names is in the repository, and it points nowhere outside it', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  expect(readme).not.toMatch(/\.\.\//);
  const named = [
    ...readme.matchAll(/(?:`|\]\()((?:docs|src|test|examples|scripts|tools|bench|drizzle)\/[\w./-]*[\w/])/g),
  ].map((m) => m[1]!);
  expect(named.length).toBeGreaterThan(5);
  expect(named.filter((path) => !existsSync(join(root, path)))).toEqual([]);
});

describe('README.md, run as written', () => {
  test('step 1 installs exactly the lock file: npm ci', () => {
    expect(blocksOf('install').map((b) => b.code)).toEqual(['npm ci']);
  });

  test('the CLI section: npx apn scorecard and npx apn token print what their comments say', async () => {
    const blocks = blocksOf('cli');
    expect(blocks.map((b) => b.code).join('\n')).toMatch(/npx apn scorecard[\s\S]*npx apn token/);
    expectEveryCommandDocumented(blocks);
    const shell = new Shell(cleanEnv({ DATA_DIR: dataDir }));
    try {
      for (const block of blocks) await runBlock(shell, block);
    } finally {
      shell.close();
    }
  });

  test("Quick start: npm start prints step 2's banner, step 3's curl walk-through answers as documented, and SIGTERM to npm frees the ports", async () => {
    const [start, ...otherStartBlocks] = blocksOf('start');
    if (!start) throw new Error('README.md step 2 has no ```sh block');
    expect(otherStartBlocks).toEqual([]);
    const banner = blocksOf('start', 'text')[0];
    if (!banner) throw new Error('README.md step 2 has no ```text block showing the banner');
    const walkthrough = blocksOf('api');
    expect(walkthrough.length).toBeGreaterThan(0);
    expectEveryCommandDocumented(walkthrough);

    for (const port of README_PORTS) {
      if (await portOpen(port)) {
        throw new Error(
          `port ${port} is busy: this suite runs the README's npm start on its default ports ${README_PORTS.join(', ')}; ` +
            'stop whatever listens there (another npm start?) and run it again',
        );
      }
    }

    const env = cleanEnv({ DATA_DIR: dataDir });
    const npm = new NpmStart('bash', ['-c', start.code], { cwd: root, env });
    const shell = new Shell(env);
    try {
      await npm.waitForBanner(180_000);

      // Step 2's banner, line by line from its first line.
      const printed = npm.output.split('\n');
      const first = printed.findIndex((l) => l === BANNER);
      const expected = banner.code.split('\n');
      expect(expected[0]).toBe(BANNER);
      const mismatch = expected.findIndex((line, i) => !patternRegex(line, true).test(printed[first + i] ?? ''));
      if (mismatch >= 0) {
        throw new Error(
          `README.md line ${banner.line + 1 + mismatch}: the banner shows "${expected[mismatch]}", npm start printed ` +
            `"${printed[first + mismatch]}".\n${npm.describe()}`,
        );
      }

      // Step 2's prose: "`curl …` answers `…`".
      const claims = [...readme.sectionText('start').matchAll(/`(curl [^`]+)` answers `([^`]+)`/g)];
      expect(claims.length).toBeGreaterThan(0);
      for (const [, command, answer] of claims) {
        const output = await shell.run(command!);
        expect({ command, output }).toEqual({ command, output: expect.stringMatching(patternRegex(answer!)) });
      }

      // Step 3, in "another terminal": the export lines exactly as printed, then each block in order.
      const exports = npm.output.split('\n').filter((l) => /^\s*export APN_TOKEN_[A-Z_]+=/.test(l));
      expect(exports).toHaveLength(5);
      await shell.run(exports.join('\n'));
      for (const block of walkthrough) await runBlock(shell, block, 30_000);

      const { ms } = await npm.signalAndWaitForNothingLeft(npm.npmPid(), 'SIGTERM', README_PORTS);
      expect(ms).toBeLessThan(15_000);
    } finally {
      shell.close();
      npm.killTree();
    }
  });
});

/** Ports of the reseller walk-through's own `npm start` (the README's defaults belong to the Quick start test). */
const RESELLER_PORTS = { PORT: 7761, TEMPORAL_PORT: 7762, TEMPORAL_UI_PORT: 7763 };

describe('README.md reseller billing walk-through, run as written', () => {
  test('npm start, then its curl and npx apn commands answer as documented: invitations accepted, a month billed, paid and invoiced (R-RESELLER)', async () => {
    const blocks = blocksOf('reseller');
    expect(blocks.length).toBeGreaterThan(2);
    expectEveryCommandDocumented(blocks);
    const [start] = blocksOf('start');
    if (!start) throw new Error('README.md step 2 has no ```sh block');
    for (const port of Object.values(RESELLER_PORTS)) {
      if (await portOpen(port)) throw new Error(`port ${port} is busy: this test runs its own npm start on it`);
    }
    const env = cleanEnv({
      DATA_DIR: join(mkdtempSync(join(tmpdir(), 'apn-readme-reseller-')), '.data'),
      ...Object.fromEntries(Object.entries(RESELLER_PORTS).map(([k, v]) => [k, String(v)])),
    });
    const npm = new NpmStart('bash', ['-c', start.code], { cwd: root, env });
    const shell = new Shell(env);
    try {
      await npm.waitForBanner(180_000);
      const exports = npm.output.split('\n').filter((l) => /^\s*export APN_TOKEN_[A-Z_]+=/.test(l));
      expect(exports).toHaveLength(5);
      await shell.run(exports.join('\n'));
      for (const block of blocks) await runBlock(shell, block, 30_000);
      await npm.signalAndWaitForNothingLeft(npm.npmPid(), 'SIGTERM', Object.values(RESELLER_PORTS));
    } finally {
      shell.close();
      npm.killTree();
    }
  });
});

describe('README.md billing: paying the fee and funding Advance Pay, run as written', () => {
  test('the payments and Advance Pay walk-through answers as its comments say, against an engine with two invoiced partners', async () => {
    const blocks = blocksOf('payments');
    expect(blocks.length).toBeGreaterThan(0);
    expectEveryCommandDocumented(blocks);
    // The state the section starts from, on an engine of its own (any free port; the README's default ports stay
    // free): the reseller organization, and cloudwise and skyhigh billed through it with their upgrade invoices open.
    const h = await startApiHarness({ businessDate: '2019-10-02' });
    const server = h.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const admin = await h.auth('program-admin', 'readme-admin');
    try {
      await h.store.createOrganization({
        id: 'o-reseller',
        name: 'Reseller Co',
        managementAccountId: '111111111111',
        reseller: true,
        on: '2019-10-01',
      });
      for (const [id, feeAccountId] of [
        ['cloudwise', '123456789012'],
        ['skyhigh', '210987654321'],
      ] as const) {
        await h.store.addOrganizationMember('o-reseller', feeAccountId, '2019-10-01');
        const registered = await request(h.app)
          .post('/v1/partners')
          .set('Authorization', admin)
          .send({
            id,
            name: id,
            track: 'consulting',
            tier: 'registered',
            renewalDate: '12-15',
            country: 'US',
            feeAccountId,
            allianceLeadId: `lead-${id}`,
            partnerManagerIds: ['readme-pm'],
          });
        expect(registered.status).toBe(201);
        const evidence = await request(h.app)
          .put(`/v1/partners/${id}/evidence`)
          .set('Authorization', await h.auth('evidence-feed', 'readme-feed'))
          .send(mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', '2019-03-15', id)));
        expect(evidence.status).toBe(200);
        const applied = await request(h.app)
          .post(`/v1/partners/${id}/upgrade-applications`)
          .set('Authorization', await h.auth('alliance-lead', `lead-${id}`, id))
          .send({ targetTier: 'select', feeAccountId });
        expect(applied.status).toBe(202);
        await eventually(
          async () =>
            (await h.store.listInvoices(id)).find((i) => i.status === 'open' && i.id === `${id}/invoice/2018`),
          `${id}'s open invoice`,
          60_000,
        );
      }
      const { port } = server.address() as AddressInfo;
      const shell = new Shell(
        cleanEnv({
          DATA_DIR: dataDir,
          APN_API: `http://127.0.0.1:${port}/v1`,
          APN_TOKEN_PROGRAM_ADMIN: admin.replace(/^Bearer /, ''),
        }),
      );
      try {
        for (const block of blocks) await runBlock(shell, block);
      } finally {
        shell.close();
      }
      expect((await h.store.getInvoice('cloudwise/invoice/2018'))?.paidVia).toBe('payment');
      expect((await h.store.getInvoice('skyhigh/invoice/2018'))?.paidVia).toBe('advance-pay');
      for (const id of ['cloudwise', 'skyhigh']) {
        const promos = (await h.store.listNotifications(id)).filter((n) => n.kind === 'promo-credit-code');
        expect({ id, promos: promos.length }).toEqual({ id, promos: 1 });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await h.teardown();
    }
  });
});
