import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import config from './electron-builder.config.js';

const root = path.resolve(import.meta.dirname, '..');

interface Step {
  name?: string;
  run?: string;
  uses?: string;
}
interface Workflow {
  jobs: Record<
    string,
    { strategy: { matrix: { include: { os: string; platform: string; targets: string; app: string }[] } }; steps: Step[] }
  >;
}

describe('installers workflow (.github/workflows/installers.yml, hosted runners only)', () => {
  const workflow = parse(fs.readFileSync(path.join(root, '.github', 'workflows', 'installers.yml'), 'utf8')) as Workflow;
  const job = workflow.jobs.installers;

  it('builds NSIS + MSI on Windows, DMG on macOS, AppImage + deb on Linux — the targets of the electron-builder config', () => {
    const byOs = Object.fromEntries((job?.strategy.matrix.include ?? []).map((m) => [m.os.split('-')[0], m.targets.split(' ')]));
    expect(byOs).toEqual({ windows: ['nsis', 'msi'], macos: ['dmg'], ubuntu: ['AppImage', 'deb'] });
    expect(config.win?.target).toEqual(byOs.windows);
    expect(config.mac?.target).toEqual(byOs.macos);
    expect(config.linux?.target).toEqual(byOs.ubuntu);
    expect(config.nsis?.perMachine).toBe(true);
    expect(config.msi?.perMachine).toBe(true);
  });

  it('runs the Electron smoke test on each platform, before the installers', () => {
    const steps = job?.steps ?? [];
    const smoke = steps.findIndex((s) => s.run?.includes('test/electron-smoke/playwright.config.ts'));
    const installers = steps.findIndex((s) => s.run?.includes('${{ matrix.targets }}'));
    expect(smoke).toBeGreaterThan(-1);
    expect(installers).toBeGreaterThan(smoke);
    expect(fs.existsSync(path.join(root, 'test', 'electron-smoke', 'smoke.spec.ts'))).toBe(true);
    // Only the inspector fuse is relaxed for the smoke build; the installers keep every fuse.
    expect(steps.find((s) => s.name?.startsWith('Smoke build'))?.run).toMatch(/-c\.electronFuses\.enableNodeCliInspectArguments=true$/);
    expect(steps[installers]?.run).not.toMatch(/electronFuses/);
  });
});
