/**
 * `cabinet annuaire search --nom … [--ville …] [--rpps …] [--type PER,ORG,APP,CAB] [--max N] [--json]`:
 * MSSanté recipients from the configured Annuaire Santé, as the recipient
 * picker finds them. Needs no login and no local database (directory
 * lookups are not patient data).
 */
import { Option, type Command } from 'commander';
import { annuaireSearchRequest } from '../../shared/contract/annuaire.js';
import { CabinetError, describeIssues } from '../../shared/contract/outcome.js';
import { mailboxTypes } from '../../shared/domain/annuaire/fhir.js';
import { AnnuaireService } from '../annuaire/service.js';
import { loadTrustStore } from '../identity/trust-store.js';
import { loadConfig } from '../platform/config/config.js';
import { jsonOption, run } from './output.js';

interface SearchOptions {
  nom?: string;
  rpps?: string;
  ville?: string;
  type?: string;
  max: string;
  json?: boolean;
}

export function registerAnnuaire(program: Command): void {
  const annuaire = program.command('annuaire').description('Annuaire Santé : destinataires MSSanté');
  annuaire
    .command('search')
    .description('cherche des boîtes aux lettres MSSanté par nom, RPPS ou ville (les boîtes en liste rouge ne sont jamais publiées)')
    .addOption(new Option('--nom <texte>', 'nom, prénom ou nom de structure'))
    .addOption(new Option('--rpps <numero>', 'numéro RPPS (11 chiffres) ou idNat_PS'))
    .addOption(new Option('--ville <ville>', 'commune de la structure'))
    .addOption(new Option('--type <types>', `types de boîte, séparés par des virgules : ${mailboxTypes.join(', ')}`))
    .addOption(new Option('--max <n>', 'nombre maximum de destinataires (1 à 100)').default('20'))
    .addOption(jsonOption())
    .action((options: SearchOptions) =>
      run({ json: Boolean(options.json) }, async () => {
        if (!options.nom === !options.rpps) throw new CabinetError('INVALID_REQUEST', 'Indiquez --nom ou --rpps (l’un des deux).');
        const types = options.type
          ?.split(',')
          .map((t) => t.trim().toUpperCase())
          .filter(Boolean);
        const parsed = annuaireSearchRequest.safeParse({
          text: options.nom ?? options.rpps ?? '',
          ...(options.ville ? { city: options.ville } : {}),
          ...(types ? { types } : {}),
          limit: Number(options.max),
        });
        if (!parsed.success)
          throw new CabinetError(
            'INVALID_REQUEST',
            'Recherche invalide (--nom : 2 à 100 caractères ; --type : PER, ORG, APP, CAB ; --max : 1 à 100).',
            describeIssues(parsed.error),
          );
        if (options.rpps && !/^(\d{11}|8\d{11}|0\d{9})$/.test(options.rpps))
          throw new CabinetError('INVALID_REQUEST', 'RPPS attendu : 11 chiffres (ou un idNat_PS : 8 + RPPS).');

        const config = loadConfig();
        const trust = loadTrustStore(config.trustDir);
        const serverTrust = config.env === 'sandbox' ? [...config.extraCa, ...trust.anchorsPem] : config.extraCa;
        const service = new AnnuaireService({ config, env: process.env, serverTrust });
        try {
          const result = await service.search(parsed.data);
          const lines = result.recipients.map((r) =>
            [`${r.displayName} <${r.address}>`, `[${r.mailboxTypeLabel}]`, r.specialty ?? r.profession, r.organisation, r.city]
              .filter(Boolean)
              .join(' — '),
          );
          const text = lines.length
            ? `${lines.join('\n')}\n(${result.recipients.length} destinataire(s) ; ${result.total} fiche(s) dans l’annuaire)`
            : 'Aucun destinataire MSSanté trouvé.';
          return { value: result, text };
        } finally {
          service.dispose();
        }
      }),
    );
}
