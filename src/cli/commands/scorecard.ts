/** `apn scorecard <evidence.json> --as-of <date>`: evaluate an evidence document and print the Scorecard. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  currentEdition,
  editionIds,
  evaluateScorecard,
  findEdition,
  isIsoDate,
  parseEvidence,
  tierLabel,
  type RequirementResult,
  type Scorecard,
  type ValidationIssue,
} from '../../domain';

/** Exit code for refused input (bad evidence, date, file or option). */
export const EXIT_INVALID_INPUT = 2;

interface ScorecardOptions {
  asOf?: string;
  format: string;
  edition: string;
}

/** Registers the `scorecard` sub-command. */
export function registerScorecard(program: Command): void {
  program
    .command('scorecard')
    .description('Evaluate a partner evidence document on a date and print its Scorecard')
    .argument('<evidence>', 'path to a PartnerEvidence JSON document')
    .option('--as-of <date>', 'evaluation date, YYYY-MM-DD (required)')
    .option('--format <format>', 'json or table', 'json')
    .option('--edition <id>', 'requirement catalog edition', currentEdition.id)
    .action((file: string, opts: ScorecardOptions) => {
      const outcome = runScorecard(file, opts);
      if (outcome.ok) process.stdout.write(outcome.output);
      else {
        for (const issue of outcome.issues) process.stderr.write(`${issue.path}: ${issue.message}\n`);
        process.exitCode = EXIT_INVALID_INPUT;
      }
    });
}

type Outcome = { ok: true; output: string } | { ok: false; issues: ValidationIssue[] };

function runScorecard(file: string, opts: ScorecardOptions): Outcome {
  // Option problems and document problems are all reported together.
  const issues: ValidationIssue[] = [];
  if (opts.asOf === undefined) issues.push({ path: '--as-of', message: 'required: the evaluation date YYYY-MM-DD' });
  else if (!isIsoDate(opts.asOf)) {
    issues.push({ path: '--as-of', message: `expected a real calendar date YYYY-MM-DD, got '${opts.asOf}'` });
  }
  if (opts.format !== 'json' && opts.format !== 'table') {
    issues.push({ path: '--format', message: `expected json or table, got '${opts.format}'` });
  }
  const edition = findEdition(opts.edition);
  if (!edition) {
    issues.push({
      path: '--edition',
      message: `unknown edition '${opts.edition}' (known: ${editionIds().join(', ')})`,
    });
  }

  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason =
      err instanceof SyntaxError ? `not valid JSON: ${err.message}` : `cannot read file: ${errorText(err)}`;
    issues.push({ path: file, message: reason });
    return { ok: false, issues };
  }
  const parsed = parseEvidence(document);
  if (!parsed.ok) issues.push(...parsed.issues);
  if (!parsed.ok || issues.length > 0 || !edition || opts.asOf === undefined) return { ok: false, issues };

  const scorecard = evaluateScorecard(parsed.value, opts.asOf, edition);
  return {
    ok: true,
    output: opts.format === 'table' ? renderTable(scorecard) : `${JSON.stringify(scorecard, null, 2)}\n`,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'object') return JSON.stringify(value) ?? '';
  if (Array.isArray(value)) return value.map(describeValue).join(' | ');
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k} ${describeValue(v)}`)
    .join(', ');
}

function metCell(r: RequirementResult): string {
  if (r.met === null) return 'workflow';
  const mark = r.met ? 'yes' : 'no';
  return r.countsTowardTier ? mark : `${mark} (option)`;
}

/** The Alliance Lead's view: one table per tier — requirement, required, actual, met, gap. */
export function renderTable(scorecard: Scorecard): string {
  const lines: string[] = [
    `${scorecard.track} partner — scorecard as of ${scorecard.asOf} (${scorecard.editionId})`,
    `Highest tier met: ${tierLabel(scorecard.highestTierMet)}`,
  ];
  if (scorecard.currentTier) {
    lines.push(
      `Current tier: ${tierLabel(scorecard.currentTier)} — ${scorecard.compliantWithCurrentTier ? 'compliant' : 'NOT compliant'}`,
    );
  }
  const header = ['Requirement', 'Required', 'Actual', 'Met', 'Gap'];
  for (const [tier, result] of Object.entries(scorecard.tiers)) {
    const rows = result.requirements.map((r) => {
      const gap = [r.gap, r.expiresNextEffect ? `(${r.expiresNextEffect})` : undefined].filter(Boolean).join(' ');
      return [r.id, describeValue(r.required), describeValue(r.actual), metCell(r), gap];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
    const format = (row: string[]) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    lines.push('', `${tierLabel(tier as Scorecard['highestTierMet'])}: ${result.met ? 'met' : 'not met'}`);
    lines.push(format(header), format(widths.map((w) => '-'.repeat(w))), ...rows.map(format));
  }
  return `${lines.join('\n')}\n`;
}
