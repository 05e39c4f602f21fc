/** `cabinet mss parse` through a fresh commander program (main.ts registers it the same way). */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerMss } from './mss.js';
import { runCli } from '../../test/support/cli.js';

const testdata = path.join(path.dirname(new URL(import.meta.url).pathname), '../mss/testdata');

const cabinet = (...args: string[]) => runCli([registerMss], args);

afterEach(() => {
  process.exitCode = 0;
});

describe('cabinet mss parse', () => {
  it('prints a professional mail with its X-MSS-* headers, attachments and XDM patient', async () => {
    const { stdout, exitCode } = await cabinet('mss', 'parse', path.join(testdata, 'pro-xdm.eml'));
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Message-ID : <cr-2024-0001@cabinet.test-ci-sis.mssante.fr>');
    expect(stdout).toContain('Objet : Compte rendu de consultation GARCIA Zoé 12/03/1979 (convention XDM/1.0/DDM+)');
    expect(stdout).toContain('  X-MSS-INS = O — INS qualifié dans le document : Oui : le document porte un INS qualifié');
    expect(stdout).toContain('  - IHE_XDM.ZIP — application/zip — 4152 octets');
    expect(stdout).toContain('  Patient : GARCIA Zoé, INS 2 79 03 51 215 189 — 89 (INS-NIR de test (patient fictif)), né(e) le 12/03/1979');
  });

  it('prints a DSN failure and an MDN with the original Message-ID', async () => {
    const dsn = await cabinet('mss', 'parse', path.join(testdata, 'dsn-failure.eml'));
    expect(dsn.stdout).toContain('Accusé de remise (DSN) : échec : adresse inconnue');
    expect(dsn.stdout).toContain('  message d’origine : <cr-2024-0001@cabinet.test-ci-sis.mssante.fr> — enveloppe cabinet-outbox-42');
    expect(dsn.stdout).toContain('  - inconnu@test-ci-sis.mssante.fr : failed 5.1.1 — échec : adresse inconnue');
    const mdn = await cabinet('mss', 'parse', path.join(testdata, 'mdn-displayed.eml'));
    expect(mdn.stdout).toContain('Accusé de lecture (MDN) : lu');
    expect(mdn.stdout).toContain(
      '  message d’origine : <cr-2024-0001@cabinet.test-ci-sis.mssante.fr> — destinataire adam.hoda@test-ci-sis.mssante.fr — disposition « manual-action/MDN-sent-manually; displayed »',
    );
  });

  it('answers JSON without document bytes, and French failures', async () => {
    const json = JSON.parse((await cabinet('mss', 'parse', path.join(testdata, 'patient-ins.eml'), '--json')).stdout) as {
      ok: boolean;
      value: { mss: { headers: unknown }; xdm: { archive: { patient: { valeur: string } } }[] };
    };
    expect(json.ok).toBe(true);
    expect(json.value.mss.headers).toEqual({ nil: 'DEV935997', codeCda: ['11488-4'], ins: 'O', mes: 'FIN' });
    expect(json.value.xdm[0]?.archive.patient.valeur).toBe('279035121518989');
    expect(JSON.stringify(json)).not.toContain('"contenu"');

    const bomb = await cabinet('mss', 'parse', path.join(testdata, 'nested-bomb.eml'));
    expect(bomb.exitCode).toBe(0);
    expect(bomb.stdout).toMatch(/Archive IHE_XDM\.ZIP :\n {2}! Archive IHE_XDM refusée : taux de compression suspect/);
    const refused = await cabinet('mss', 'parse', path.join(testdata, 'cda-cr-consultation.xml'), '--json');
    expect(refused.exitCode).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      ok: false,
      code: 'INVALID_REQUEST',
      message: 'Courriel illisible : le fichier ne commence pas par des en-têtes de courriel.',
    });
  });
});

describe('cabinet mss send: arguments', () => {
  it('accepts a Corsican INS (2A) with the shared INS rule: validation passes, the command then asks for the card', async () => {
    const { stdout, exitCode } = await cabinet(
      'mss',
      'send',
      '--to',
      'paul.durand@cabinet.test-mssante.fr',
      '--subject',
      'Compte rendu',
      '--ins',
      '297022A02077878',
      '--json',
    );
    expect(exitCode).toBe(1);
    const outcome = JSON.parse(stdout) as { ok: boolean; code: string; message: string };
    expect(outcome.message).not.toMatch(/INS/);
    expect(outcome).toMatchObject({ ok: false, code: 'INVALID_REQUEST', message: 'Indiquez --p12 <fichier> ou --pkcs11 <module>.' });
  });

  it('refuses a wrong key or a malformed INS before anything else, with the shared French messages', async () => {
    const run = async (ins: string) =>
      JSON.parse(
        (await cabinet('mss', 'send', '--to', 'paul.durand@cabinet.test-mssante.fr', '--subject', 'Compte rendu', '--ins', ins, '--json'))
          .stdout,
      ) as { code: string; message: string };
    expect(await run('297022A02077879')).toEqual(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: 'INS invalide : clé INS incorrecte : attendue 78.' }),
    );
    expect(await run('2 97 02 2A 020 778')).toEqual(
      expect.objectContaining({ message: expect.stringMatching(/^INS invalide : la clé \(2 chiffres\) manque/) }),
    );
    expect(await run('29702A202077878')).toEqual(
      expect.objectContaining({
        message: expect.stringMatching(/^INS invalide : le 7e caractère ne peut être une lettre que pour la Corse/),
      }),
    );
  });
});
