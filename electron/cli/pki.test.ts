/** `cabinet pki init` through a fresh commander program (main.ts registers it the same way). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTestPki } from '../../sandboxes/pki/test-pki.js';
import { registerPki } from './pki.js';
import { runCli } from '../../test/support/cli.js';

let tmp: string;

const cabinet = (...args: string[]) => runCli([registerPki], args);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-cli-pki-'));
});
afterEach(() => {
  process.exitCode = 0;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('cabinet pki init', () => {
  it('creates the PKI and prints the manifest as JSON', async () => {
    const dir = path.join(tmp, 'json');
    const { stdout, exitCode } = await cabinet('pki', 'init', dir, '--json');
    expect(exitCode).toBe(0);
    const outcome = JSON.parse(stdout) as { ok: boolean; value: ReturnType<typeof loadTestPki> };
    expect(outcome.ok).toBe(true);
    expect(outcome.value).toEqual(loadTestPki(dir));
    const gp = outcome.value.identities.find((i) => i.role === 'medecin')!;
    expect(gp).toMatchObject({
      idNatPs: expect.stringMatching(/^8\d{11}$/),
      pin: '1234',
      password: 'cabinet-test',
      p12: 'cartes/medecin-martin.p12',
    });
    expect(fs.existsSync(path.join(dir, gp.p12!))).toBe(true);
  });

  it('prints, in French, every identity with its files, PIN and password', async () => {
    const dir = path.join(tmp, 'texte');
    const { stdout, exitCode } = await cabinet('pki', 'init', dir);
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`IGC de test créée dans ${dir}`);
    expect(stdout).toContain('Dr Marie MARTIN');
    expect(stdout).toMatch(/idNat_PS 8\d{11} \(RPPS \d{11}\), profession 10 Médecin, spécialité SM26/);
    expect(stdout).toContain('.p12 : cartes/medecin-martin.p12 — mot de passe « cabinet-test » ; PIN de la carte SoftHSM : 1234');
    expect(stdout).toContain('✘ CN=TEST AC ETRANGERE PERSONNES');
    expect(stdout).toContain('clé : serveurs/insi-cle.pem');
  });

  it('refuses a folder that is not empty, unless --force (which keeps other files)', async () => {
    const dir = path.join(tmp, 'plein');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'autre.txt'), 'à garder');
    const refused = await cabinet('pki', 'init', dir, '--json');
    expect(refused.exitCode).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({
      ok: false,
      code: 'CONFLICT',
      message: `Le dossier ${dir} n’est pas vide. Choisissez un dossier vide, ou ajoutez --force pour y remplacer l’IGC de test.`,
    });
    expect(fs.readdirSync(dir)).toEqual(['autre.txt']);
    const text = await cabinet('pki', 'init', dir);
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toContain('Erreur : Le dossier');

    const forced = await cabinet('pki', 'init', dir, '--force', '--json');
    expect(forced.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'autre.txt'), 'utf8')).toBe('à garder');
    expect(fs.existsSync(path.join(dir, 'manifest.json'))).toBe(true);

    fs.writeFileSync(path.join(tmp, 'fichier'), '');
    const notDir = await cabinet('pki', 'init', path.join(tmp, 'fichier'), '--json');
    expect(JSON.parse(notDir.stdout)).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
  });
});
