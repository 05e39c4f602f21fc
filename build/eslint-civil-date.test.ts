/** The lint check of README « Calendar dates are the practice's dates »: ad-hoc civil dates fail `npm run lint`, outside civil-date.ts. */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'build/eslint.config.ts') });

async function civilDateErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('lint: calendar dates come from shared/domain/civil-date.ts only', () => {
  it('refuses a UTC day cut from toISOString() anywhere else', async () => {
    for (const file of [
      'electron/patients/nouveau.ts',
      'shared/domain/autre.ts',
      'renderer/screens/Nouveau.tsx',
      'test/e2e/nouveau.spec.ts',
    ]) {
      expect(await civilDateErrors('export const today = new Date().toISOString().slice(0, 10);\n', file)).toEqual([
        expect.stringMatching(/civil-date\.ts/),
      ]);
    }
    expect(await civilDateErrors('export const day = (d: Date) => d.toISOString().substring(0, 10);\n', 'electron/x.ts')).toHaveLength(1);
  });

  it('refuses the machine’s own zone (getDate, toLocaleDateString…)', async () => {
    expect(
      await civilDateErrors(
        'const now = new Date();\nexport const d = `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;\n',
        'renderer/x.ts',
      ),
    ).toHaveLength(3);
    expect(await civilDateErrors("export const d = new Date().toLocaleDateString('fr-FR');\n", 'electron/cli/x.ts')).toHaveLength(1);
  });

  it('lets civil-date.ts do it, and lets UTC timestamps be (XDS, logs)', async () => {
    expect(await civilDateErrors('export const today = new Date().toISOString().slice(0, 10);\n', 'shared/domain/civil-date.ts')).toEqual(
      [],
    );
    expect(
      await civilDateErrors(
        "export const dtm = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);\nexport const at = new Date().toISOString();\n",
        'electron/dmp/wire/x.ts',
      ),
    ).toEqual([]);
  });
});
