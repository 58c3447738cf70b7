/**
 * What every request must satisfy before anything walks it recursively or hands it to the store: JSON no deeper and
 * no larger than any real request (JSON.stringify and zod recurse, and 10,000 nested objects overflow the stack),
 * and text without control characters (PostgreSQL refuses NUL in text and jsonb; the other C0 characters forge log
 * lines and CSV cells), nor unpaired surrogates. Iterative, so the check itself cannot overflow.
 */
import type { ValidationIssue } from '../domain/evidence';

/** Deeper than any body this API takes (an evidence document nests 5 levels). */
export const MAX_JSON_DEPTH = 32;
/** More values than a 1 MB body of real requests holds. */
export const MAX_JSON_NODES = 200_000;
/** Issues reported at most: a body full of NULs answers with the first ones, not a megabyte of issues. */
const MAX_ISSUES = 20;

/**
 * C0 controls and DEL, except tab, line feed and carriage return (multi-line text and CSV need them), and unpaired
 * UTF-16 surrogates (`"\ud800"` is valid JSON, but no UTF-8 text: PostgreSQL's jsonb refuses it).
 */
const CONTROL =
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Describes the first control character of `text`, or undefined when it has none. */
export function controlCharacterIn(text: string): string | undefined {
  const match = CONTROL.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const kind = code >= 0xd800 && code <= 0xdfff ? 'an unpaired surrogate' : 'the control character';
  return `contains ${kind} U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${String(match.index)}`;
}

function pathOf(where: string, key: string | number): string {
  return typeof key === 'number' ? `${where}[${String(key)}]` : `${where}.${key}`;
}

/**
 * Every problem of a parsed JSON value: too deep or too large (then nothing more is said), or strings and keys with
 * control characters, each with its path (`body.name`, `body.references[0].customer`).
 */
export function inspectJson(value: unknown, where: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: where, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (++nodes > MAX_JSON_NODES) {
      return [{ path: where, message: `more than ${String(MAX_JSON_NODES)} JSON values` }];
    }
    if (typeof current === 'string') {
      const problem = controlCharacterIn(current);
      if (problem) issues.push({ path, message: problem });
    } else if (current !== null && typeof current === 'object') {
      if (depth >= MAX_JSON_DEPTH) {
        return [{ path, message: `nested deeper than ${String(MAX_JSON_DEPTH)} levels` }];
      }
      if (Array.isArray(current)) {
        current.forEach((item, index) => stack.push({ value: item, path: pathOf(path, index), depth: depth + 1 }));
      } else {
        for (const [key, item] of Object.entries(current)) {
          const keyProblem = controlCharacterIn(key);
          const itemPath = pathOf(path, keyProblem ? JSON.stringify(key) : key);
          if (keyProblem) issues.push({ path: itemPath, message: `the key ${keyProblem}` });
          stack.push({ value: item, path: itemPath, depth: depth + 1 });
        }
      }
    }
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Control characters in a text body (CSV): each offending line, 1-based. */
export function inspectText(text: string, where: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && issues.length < MAX_ISSUES; i++) {
    const problem = controlCharacterIn(lines[i]!);
    if (problem) issues.push({ path: `${where} line ${String(i + 1)}`, message: problem });
  }
  return issues;
}
