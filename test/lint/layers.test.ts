/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The layers of docs/architecture.md are enforced by ESLint: an import across a layer boundary fails the lint.
 * Each case lints a probe text as if it were a file of that folder (nothing is written).
 */
import path from 'node:path';
import type { ESLint as ESLintClass } from 'eslint';

// ESLint loads its flat config with a dynamic import(), which jest's VM refuses: load it with node's own require
// (the environment above hands it in, as it does for PGlite).
const nodeRequire = (globalThis as { __APN_NODE_REQUIRE__?: NodeJS.Require }).__APN_NODE_REQUIRE__ ?? require;
const { ESLint } = nodeRequire('eslint') as { ESLint: typeof ESLintClass };
const root = path.resolve(__dirname, '../..');
// The probes are not files of the project: the type-aware parser takes them into its default project.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['src/*/layer-probe.ts'] } } },
  },
});

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const fatal = (result?.messages ?? []).filter((m) => m.fatal === true || m.ruleId === null);
  if (fatal.length > 0) throw new Error(`ESLint could not lint ${file}: ${fatal.map((m) => m.message).join('; ')}`);
  return (result?.messages ?? [])
    .filter(
      (m) => m.ruleId === 'import-x/no-restricted-paths' || m.ruleId === '@typescript-eslint/no-restricted-imports',
    )
    .map((m) => m.message);
}

jest.setTimeout(180_000);

test('the domain may not import the store', async () => {
  expect(await layerErrors('src/domain/layer-probe.ts', "export { createStore } from '../store';\n")).toEqual([
    expect.stringMatching(/The domain is pure rules/),
  ]);
});

test('the store may not import activities, workflows or the API', async () => {
  const code = "export { createActivities } from '../activities';\nexport { createApp } from '../api/app';\n";
  expect(await layerErrors('src/store/layer-probe.ts', code)).toHaveLength(2);
});

test('workflows import activity types only, never the store', async () => {
  const code = [
    "import type { createActivities } from '../activities';",
    "import { createActivities as create } from '../activities';",
    "import { createStore } from '../store';",
    'export type A = typeof createActivities;',
    'export const used = [create, createStore];',
    '',
  ].join('\n');
  const errors = await layerErrors('src/workflows/layer-probe.ts', code);
  expect(errors).toEqual([
    expect.stringMatching(/import their types only/),
    expect.stringMatching(/Workflows are deterministic/),
  ]);
});

test('the API may not run activities; the domain may import the domain', async () => {
  expect(
    await layerErrors('src/api/layer-probe.ts', "export { createActivities } from '../activities';\n"),
  ).toHaveLength(1);
  expect(await layerErrors('src/domain/layer-probe.ts', "export { TIERS } from './tier-ladder';\n")).toEqual([]);
});
