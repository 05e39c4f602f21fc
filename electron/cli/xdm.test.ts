/** `cabinet xdm read|build` through a fresh commander program (main.ts registers it the same way). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { craftZip } from '../mss/testdata/craft-zip.js';
import { registerXdm } from './xdm.js';
import { runCli } from '../../test/support/cli.js';

const testdata = path.join(path.dirname(new URL(import.meta.url).pathname), '../mss/testdata');
let tmp: string;

const cabinet = (...args: string[]) => runCli([registerXdm], args);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-cli-xdm-'));
});
afterEach(() => {
  process.exitCode = 0;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('cabinet xdm build / read', () => {
  it('builds an archive from a CDA and a PDF, then reads it back', async () => {
    const pdf = path.join(tmp, 'cr.pdf');
    fs.writeFileSync(pdf, '%PDF-1.4\n%%EOF\n');
    const out = path.join(tmp, 'IHE_XDM.ZIP');
    const built = await cabinet('xdm', 'build', '--cda', path.join(testdata, 'cda-cr-consultation.xml'), '--pdf', pdf, '--out', out);
    expect(built.exitCode).toBe(0);
    expect(built.stdout).toContain(`Archive IHE_XDM écrite : ${out}`);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);

    const text = await cabinet('xdm', 'read', out);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(
      'Patient : GARCIA Zoé, INS 2 79 03 51 215 189 — 89 (INS-NIR de test (patient fictif)), né(e) le 12/03/1979',
    );
    expect(text.stdout).toContain(
      '  - Compte rendu de consultation [11488-4 Compte rendu de consultation] — text/xml — SUBSET01/DOC0001.XML (',
    );
    expect(text.stdout).toContain('empreinte conforme');

    const json = JSON.parse((await cabinet('xdm', 'read', out, '--json')).stdout) as {
      ok: boolean;
      value: { patient: { valeur: string }; documents: { type: string; verification: unknown }[] };
    };
    expect(json.ok).toBe(true);
    expect(json.value.patient.valeur).toBe('279035121518989');
    expect(json.value.documents.map((d) => d.type)).toEqual(['text/xml', 'application/pdf']);
    expect(JSON.stringify(json)).not.toContain('"contenu"');
  });

  it('refuses to overwrite without --force', async () => {
    const out = path.join(tmp, 'exists.zip');
    fs.writeFileSync(out, 'keep');
    const refused = await cabinet('xdm', 'build', '--cda', path.join(testdata, 'cda-cr-consultation.xml'), '--out', out, '--json');
    expect(refused.exitCode).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({
      ok: false,
      code: 'CONFLICT',
      message: `Le fichier ${out} existe déjà. Choisissez un autre nom, ou ajoutez --force pour le remplacer.`,
    });
    expect(fs.readFileSync(out, 'utf8')).toBe('keep');
    expect((await cabinet('xdm', 'build', '--cda', path.join(testdata, 'cda-cr-consultation.xml'), '--out', out, '--force')).exitCode).toBe(
      0,
    );
  });

  it('says in French why an archive is refused, and writes nothing beside it', async () => {
    const evil = path.join(tmp, 'evil', 'evil.zip');
    fs.mkdirSync(path.dirname(evil));
    fs.writeFileSync(evil, craftZip([{ name: '../../pwned.txt', data: Buffer.from('x') }]));
    const refused = await cabinet('xdm', 'read', evil);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      'Erreur : Archive IHE_XDM refusée : chemin interdit (remontée de dossier (« .. ») dans « ../../pwned.txt »).\n',
    );
    expect(fs.readdirSync(path.dirname(evil))).toEqual(['evil.zip']);
    expect(fs.existsSync(path.join(tmp, 'pwned.txt'))).toBe(false);

    const missing = await cabinet('xdm', 'read', path.join(tmp, 'absent.zip'), '--json');
    expect(JSON.parse(missing.stdout)).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
      message: `Archive introuvable : ${path.join(tmp, 'absent.zip')}.`,
    });
    const notZip = await cabinet('xdm', 'read', path.join(testdata, 'dsn-success.eml'));
    expect(notZip.stderr).toBe('Erreur : Archive IHE_XDM refusée : ce fichier n’est pas une archive zip, ou elle est tronquée.\n');
  });
});
