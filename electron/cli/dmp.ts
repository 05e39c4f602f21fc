/**
 * `cabinet dmp status|list|get|feed`: the patient's DMP as the DMP panel
 * shows it, for a patient of this post whose identity is qualified, acting
 * as the practitioner logged in for the command (`--p12` or `--pkcs11`, PIN
 * from CABINET_PIN). `feed` goes through the outbox: the document is queued,
 * then the queue is sent once and the outcome printed (exit 1 unless sent).
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { DEFAULT_TYPE_CODE, TYPE_CODES } from '../../shared/domain/cda/index.js';
import { formatIns, parseIns } from '../../shared/domain/ins/index.js';
import { outboxStateLabels } from '../../shared/domain/outbox.js';
import type { Services } from '../app/services.js';
import { MAX_PDF_BYTES } from '../dmp/cda/builder.js';
import type { DmpAccess } from '../dmp/service.js';
import { addCredentialOptions, asPractitioner, type CredentialOptions } from './credentials.js';
import { readInputFile } from './files.js';
import { jsonOption, run } from './output.js';

interface AccessOptions {
  brisDeGlace?: string;
  centre15?: string;
}

function patientUid(services: Services, ins: string): string {
  const parsed = parseIns(ins);
  if (!parsed.ok) throw new CabinetError(parsed.code, parsed.message, parsed.details);
  const row = services.patients.repo
    .search(parsed.value.matricule, 5)
    .find((p) => p.ins_matricule === parsed.value.matricule && p.ins_cle === parsed.value.cle);
  if (!row) throw new CabinetError('NOT_FOUND', `Aucun patient de ce poste ne porte l’INS ${formatIns(parsed.value)}.`);
  return row.uid;
}

function addAccessOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--bris-de-glace <raison>', 'accès en bris de glace (raison obligatoire, consignée au journal)').conflicts('centre15'),
    )
    .addOption(new Option('--centre-15 <raison>', 'accès en centre de régulation (raison obligatoire, consignée au journal)'));
}

function declare(services: Services, uid: string, options: AccessOptions): DmpAccess | null {
  if (options.brisDeGlace !== undefined) return services.dmp.declareAccess(uid, 'bris_de_glace', options.brisDeGlace);
  if (options.centre15 !== undefined) return services.dmp.declareAccess(uid, 'centre_15', options.centre15);
  return null;
}

function accessLine(access: DmpAccess | null): string[] {
  return access
    ? [`⚠ Accès ${access.purpose === 'bris_de_glace' ? 'en bris de glace' : 'centre 15'} : « ${access.reason} » (consigné au journal).`]
    : [];
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10).split('-').reverse().join('/') : '—');

export function registerDmp(program: Command): void {
  const dmp = program.command('dmp').description('dossier médical partagé (Mon espace santé) d’un patient à l’identité qualifiée');

  addAccessOptions(addCredentialOptions(dmp.command('status').description('état du DMP et autorisation d’accès du praticien (TD0.2)')))
    .requiredOption('--ins <ins>', 'INS du patient : matricule et clé (15 caractères)')
    .addOption(jsonOption())
    .action((options: CredentialOptions & AccessOptions & { ins: string; json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () =>
        asPractitioner(options, async (_credentials, services) => {
          const uid = patientUid(services, options.ins);
          declare(services, uid, options);
          const view = await services.dmp.status(uid);
          return { value: view, text: [...accessLine(view.access), view.message].join('\n') };
        }),
      ),
    );

  addAccessOptions(
    addCredentialOptions(
      dmp
        .command('list')
        .description('documents du DMP (d’abord les 2 dernières années, puis les nouveautés), du plus récent au plus ancien'),
    ),
  )
    .requiredOption('--ins <ins>', 'INS du patient : matricule et clé (15 caractères)')
    .addOption(new Option('--type <code...>', 'types de document (JDV_J07)'))
    .addOption(new Option('--depuis <date>', 'créés depuis le AAAA-MM-JJ'))
    .addOption(new Option('--jusqua <date>', 'créés jusqu’au AAAA-MM-JJ'))
    .addOption(new Option('--auteur <texte>', 'idNat_PS ou nom de l’auteur'))
    .addOption(new Option('--limite <n>', 'nombre de documents affichés').default('50'))
    .addOption(
      new Option(
        '--rafraichir <mode>',
        'auto : recherche initiale puis incrémentale ; complet : nouvelle recherche sur 2 ans ; cache : sans réseau',
      )
        .choices(['auto', 'complet', 'cache'])
        .default('auto'),
    )
    .addOption(jsonOption())
    .action(
      (
        options: CredentialOptions &
          AccessOptions & {
            ins: string;
            type?: string[];
            depuis?: string;
            jusqua?: string;
            auteur?: string;
            limite: string;
            rafraichir: 'auto' | 'complet' | 'cache';
            json?: boolean;
          },
      ) =>
        run({ json: Boolean(options.json) }, async () => {
          const limit = Number(options.limite);
          if (!Number.isInteger(limit) || limit < 1 || limit > 5000)
            throw new CabinetError('INVALID_REQUEST', '--limite doit être un entier de 1 à 5000.');
          for (const date of [options.depuis, options.jusqua])
            if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date))
              throw new CabinetError('INVALID_REQUEST', `Date invalide : ${date} (attendu AAAA-MM-JJ).`);
          return asPractitioner(options, async (_credentials, services) => {
            const uid = patientUid(services, options.ins);
            declare(services, uid, options);
            const view = await services.dmp.list(
              uid,
              {
                limit,
                ...(options.type ? { types: options.type } : {}),
                ...(options.depuis ? { from: options.depuis } : {}),
                ...(options.jusqua ? { to: options.jusqua } : {}),
                ...(options.auteur ? { author: options.auteur } : {}),
              },
              options.rafraichir,
            );
            const lines = [
              ...accessLine(view.access),
              `${view.message} ${view.total} document(s) ; ${view.entries.length} affiché(s).`,
              ...view.entries.map(
                (e) =>
                  `${day(e.creationTime)}  ${e.type.display || e.type.code} — ${e.title} — ${e.authors.map((a) => a.name).join(', ') || 'auteur inconnu'}${e.status === 'Archived' ? ' [archivé]' : ''}${e.visibility.masquePs ? ' [masqué PS]' : ''}  ${e.uniqueId}`,
              ),
            ];
            return { value: view, text: lines.join('\n') };
          });
        }),
    );

  addAccessOptions(
    addCredentialOptions(dmp.command('get').description('télécharge un document du DMP (déjà listé par « cabinet dmp list »)')),
  )
    .requiredOption('--uid <id>', 'identifiant du document (uniqueId ou entryUUID)')
    .requiredOption('--out <fichier>', 'fichier à écrire (n’écrase pas un fichier existant)')
    .addOption(new Option('--pdf', 'pour un CDA de niveau 1 : écrit le PDF encapsulé plutôt que le CDA'))
    .addOption(jsonOption())
    .action((options: CredentialOptions & AccessOptions & { uid: string; out: string; pdf?: boolean; json?: boolean }) =>
      run({ json: Boolean(options.json) }, async () => {
        if (fs.existsSync(options.out))
          throw new CabinetError('CONFLICT', `Le fichier ${options.out} existe déjà : choisissez un autre nom.`);
        return asPractitioner(options, async (_credentials, services) => {
          const found = services.dmp.cache.locate(options.uid);
          if (!found)
            throw new CabinetError(
              'NOT_FOUND',
              `Document ${options.uid} inconnu sur ce poste : listez d’abord le DMP du patient (cabinet dmp list --ins …).`,
            );
          declare(services, found.patientUid, options);
          const document = await services.dmp.get(found.patientUid, found.entryUuid);
          if (options.pdf && !document.pdfBase64)
            throw new CabinetError(
              'CONFLICT',
              'Ce document n’est pas un CDA de niveau 1 contenant un PDF : retirez --pdf pour l’enregistrer tel quel.',
            );
          const bytes = options.pdf ? Buffer.from(document.pdfBase64!, 'base64') : document.content;
          fs.writeFileSync(options.out, bytes, { flag: 'wx', mode: 0o600 });
          const { content: _content, pdfBase64: _pdf, ...value } = document;
          return {
            value: { ...value, out: options.out, bytes: bytes.length },
            text: `Document enregistré dans ${options.out} (${bytes.length} octets, ${options.pdf ? 'PDF' : document.mimeType}${document.kind === 'autre' ? '' : `, ${document.kind === 'cda-n1' ? 'CDA niveau 1' : 'CDA niveau 3'}`}${document.fromCache ? ', depuis le cache local' : ''}).`,
          };
        });
      }),
    );

  addCredentialOptions(dmp.command('feed').description('envoie un PDF au DMP (CDA niveau 1 vérifié, par la file d’envoi)'))
    .requiredOption('--ins <ins>', 'INS du patient : matricule et clé (15 caractères)')
    .requiredOption('--pdf <fichier>', 'le document PDF (20 Mo au plus)')
    .addOption(new Option('--type <code>', 'type de document (JDV_J07)').choices(Object.keys(TYPE_CODES)).default(DEFAULT_TYPE_CODE))
    .addOption(new Option('--titre <titre>', 'titre du document (par défaut : le libellé du type)'))
    .addOption(new Option('--date <date>', 'date du document AAAA-MM-JJ (par défaut : maintenant)'))
    .addOption(new Option('--masque-ps', 'masqué aux autres professionnels de santé'))
    .addOption(new Option('--invisible-patient', 'non visible par le patient'))
    .addOption(new Option('--invisible-representants', 'non visible par les représentants légaux'))
    .addOption(jsonOption())
    .action(
      (
        options: CredentialOptions & {
          ins: string;
          pdf: string;
          type: string;
          titre?: string;
          date?: string;
          masquePs?: boolean;
          invisiblePatient?: boolean;
          invisibleRepresentants?: boolean;
          json?: boolean;
        },
      ) =>
        run({ json: Boolean(options.json) }, async () => {
          const pdf = readInputFile(options.pdf, MAX_PDF_BYTES, 'PDF');
          return asPractitioner(options, async (_credentials, services) => {
            const uid = patientUid(services, options.ins);
            const queued = await services.dmp.feed(uid, {
              pdf,
              type: options.type,
              ...(options.titre !== undefined ? { title: options.titre } : {}),
              ...(options.date !== undefined ? { date: options.date } : {}),
              visibility: {
                masquePs: Boolean(options.masquePs),
                invisiblePatient: Boolean(options.invisiblePatient),
                invisibleRepresentants: Boolean(options.invisibleRepresentants),
              },
            });
            await services.worker.drain();
            const item = services.outbox.get(queued.outboxId);
            const feed = services.dmp.cache.feed(queued.uniqueId);
            const result = services.outbox.resultOf(queued.outboxId) as { outcome?: string } | null;
            const sent = item?.state === 'envoye';
            const value = {
              uniqueId: queued.uniqueId,
              outboxId: queued.outboxId,
              state: item?.state ?? 'en_attente',
              outcome: result?.outcome ?? null,
              attempts: item?.attempts ?? 0,
              error: item?.lastError ?? feed?.error ?? null,
            };
            const text = sent
              ? `Document envoyé au DMP (${result?.outcome === 'already' ? 'il y était déjà' : 'créé'}), identifiant ${queued.uniqueId}.`
              : `Document non envoyé (${outboxStateLabels[item?.state ?? 'en_attente']})${value.error ? ` : ${value.error}` : ''}${item?.state === 'en_attente' ? ' — il reste dans la file d’envoi et repartira automatiquement.' : ''}`;
            return { value, ok: sent, text };
          });
        }),
    );
}
