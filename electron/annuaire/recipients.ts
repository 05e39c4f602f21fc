/**
 * From Annuaire Santé searchset Bundles to the flat {@link Recipient}s of the
 * picker (pure). A mailbox is a `telecom` with `system = email`, the
 * `fr-core-contact-point-email-type` extension = MSSANTE, and the
 * `as-ext-mailbox-mss-metadata` extension (type PER/ORG/APP/CAB, listeRouge,
 * description, service). A red-listed mailbox is dropped here too, even if a
 * server published it by mistake.
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import type { Recipient } from '../../shared/contract/annuaire.js';
import {
  EMAIL_TYPE_EXTENSION,
  foldName,
  IDNAT_PS_SYSTEM,
  isMailboxType,
  MAILBOX_METADATA_EXTENSION,
  mailboxTypeLabels,
  PROFESSION_SYSTEM,
  RPPS_SYSTEM,
  RPPS_SYSTEM_FR_CORE,
  SPECIALITE_SYSTEM,
  type MailboxType,
} from '../../shared/domain/annuaire/fhir.js';
import { parseMssAddress } from '../../shared/domain/mss/address.js';
import {
  organization as organizationSchema,
  practitioner as practitionerSchema,
  practitionerRole as practitionerRoleSchema,
  type ContactPoint,
  type Organization,
  type Practitioner,
  type PractitionerRole,
  type SearchBundle,
} from './fhir-schemas.js';

export interface Mailbox {
  address: string;
  type: MailboxType;
  description: string | null;
  service: string | null;
}

/** The MSSanté mailboxes of a telecom list (published, well-formed addresses only). */
export function mailboxesOf(telecom: readonly ContactPoint[] | undefined): Mailbox[] {
  const found: Mailbox[] = [];
  for (const t of telecom ?? []) {
    if (t.system !== 'email' || !t.value) continue;
    const ext = t.extension ?? [];
    if (!ext.some((e) => e.url === EMAIL_TYPE_EXTENSION && e.valueCoding?.code === 'MSSANTE')) continue;
    const metadata = ext.find((e) => e.url === MAILBOX_METADATA_EXTENSION)?.extension ?? [];
    const sub = (url: string) => metadata.find((e) => e.url === url);
    if (sub('listeRouge')?.valueBoolean === true) continue;
    const type = sub('type')?.valueCodeableConcept?.coding?.[0]?.code ?? sub('type')?.valueCoding?.code ?? '';
    if (!isMailboxType(type)) continue;
    const parsed = parseMssAddress(t.value);
    // The directory is the authority on what is MSSanté (its test domains `*.test-mssante.fr` included); a patient address is never a directory entry.
    if (!parsed || parsed.kind === 'patient') continue;
    found.push({
      address: parsed.address,
      type,
      description: sub('description')?.valueString ?? null,
      service: sub('service')?.valueString ?? null,
    });
  }
  return found;
}

function codingDisplay(
  concepts: readonly { coding?: { system?: string; code?: string; display?: string }[] }[] | undefined,
  system: string,
): string | null {
  for (const c of concepts ?? []) for (const k of c.coding ?? []) if (k.system === system) return k.display ?? k.code ?? null;
  return null;
}

function practitionerName(p: Practitioner): string {
  const name = p.name?.[0];
  if (!name) return 'Professionnel sans nom publié';
  if (name.text) return name.text;
  const parts = [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? ''].filter(Boolean);
  return parts.join(' ') || 'Professionnel sans nom publié';
}

function identifierValue(p: Practitioner, systems: readonly string[]): string | null {
  return p.identifier?.find((i) => i.system && systems.includes(i.system))?.value ?? null;
}

function malformed(detail: string): CabinetError {
  return new CabinetError('UNAVAILABLE', 'Réponse de l’Annuaire Santé illisible : la recherche n’a pas abouti.', { detail });
}

interface Resources {
  practitioners: Practitioner[];
  roles: PractitionerRole[];
  organizations: Map<string, Organization>;
  matchedOrganizations: Organization[];
}

/** Splits the Bundles' entries by type, validating each resource Cabinet reads. */
export function collectResources(bundles: readonly SearchBundle[]): Resources {
  const practitioners: Practitioner[] = [];
  const roles = new Map<string, PractitionerRole>();
  const organizations = new Map<string, Organization>();
  const matchedOrganizations: Organization[] = [];
  const seenPractitioners = new Set<string>();
  for (const bundle of bundles) {
    for (const entry of bundle.entry ?? []) {
      const mode = entry.search?.mode ?? 'match';
      const r = entry.resource;
      if (r.resourceType === 'Practitioner') {
        const parsed = practitionerSchema.safeParse(r);
        if (!parsed.success) throw malformed('Practitioner invalide');
        if (mode === 'match' && !seenPractitioners.has(parsed.data.id)) {
          seenPractitioners.add(parsed.data.id);
          practitioners.push(parsed.data);
        }
      } else if (r.resourceType === 'PractitionerRole') {
        const parsed = practitionerRoleSchema.safeParse(r);
        if (!parsed.success) throw malformed('PractitionerRole invalide');
        roles.set(parsed.data.id, parsed.data);
      } else if (r.resourceType === 'Organization') {
        const parsed = organizationSchema.safeParse(r);
        if (!parsed.success) throw malformed('Organization invalide');
        organizations.set(parsed.data.id, parsed.data);
        if (mode === 'match' && !matchedOrganizations.some((o) => o.id === parsed.data.id)) matchedOrganizations.push(parsed.data);
      } else if (r.resourceType !== 'OperationOutcome') {
        throw malformed(`ressource inattendue ${r.resourceType.slice(0, 40)}`);
      }
    }
  }
  return { practitioners, roles: [...roles.values()], organizations, matchedOrganizations };
}

export interface RecipientFilter {
  city?: string | undefined;
  types?: readonly MailboxType[] | undefined;
  limit: number;
}

const sameCity = (wanted: string | undefined, city: string | null) => !wanted || (city !== null && foldName(city) === foldName(wanted));

/** Practitioners first (their roles' and their own mailboxes), then the structures' mailboxes; one entry per address. */
export function toRecipients(resources: Resources, filter: RecipientFilter): Recipient[] {
  const out: Recipient[] = [];
  const seen = new Set<string>();
  const push = (r: Recipient) => {
    if (out.length >= filter.limit || seen.has(r.address)) return;
    if (filter.types && !filter.types.includes(r.mailboxType)) return;
    if (!sameCity(filter.city, r.city)) return;
    seen.add(r.address);
    out.push(r);
  };
  const orgRef = (ref: string | undefined) =>
    ref?.startsWith('Organization/') ? resources.organizations.get(ref.slice('Organization/'.length)) : undefined;
  const cityOf = (o: Organization | undefined) => o?.address?.find((a) => a.city)?.city ?? null;

  for (const p of resources.practitioners) {
    const roles = resources.roles.filter((r) => r.practitioner?.reference === `Practitioner/${p.id}`);
    const person = {
      displayName: practitionerName(p),
      profession: codingDisplay(
        p.qualification?.map((q) => q.code),
        PROFESSION_SYSTEM,
      ),
      rpps: identifierValue(p, [RPPS_SYSTEM, RPPS_SYSTEM_FR_CORE]),
      idNatPs: identifierValue(p, [IDNAT_PS_SYSTEM]),
    };
    const practitionerSpecialty = codingDisplay(
      p.qualification?.map((q) => q.code),
      SPECIALITE_SYSTEM,
    );
    for (const role of roles) {
      const org = orgRef(role.organization?.reference);
      for (const box of mailboxesOf(role.telecom)) {
        push({
          ...person,
          address: box.address,
          mailboxType: box.type,
          mailboxTypeLabel: mailboxTypeLabels[box.type],
          profession: codingDisplay(role.code, PROFESSION_SYSTEM) ?? person.profession,
          specialty: codingDisplay(role.specialty, SPECIALITE_SYSTEM) ?? practitionerSpecialty,
          organisation: org?.name ?? null,
          city: cityOf(org),
          description: box.description ?? box.service,
        });
      }
    }
    // Mailboxes on the Practitioner itself (PER without a structure, CAB): the practice is the first role's.
    const firstOrg = orgRef(roles[0]?.organization?.reference);
    for (const box of mailboxesOf(p.telecom)) {
      push({
        ...person,
        address: box.address,
        mailboxType: box.type,
        mailboxTypeLabel: mailboxTypeLabels[box.type],
        specialty: practitionerSpecialty,
        organisation: box.type === 'CAB' ? (firstOrg?.name ?? null) : null,
        city: cityOf(firstOrg),
        description: box.description ?? box.service,
      });
    }
  }
  for (const o of resources.matchedOrganizations) {
    for (const box of mailboxesOf(o.telecom)) {
      const name = o.name ?? 'Structure sans nom publié';
      push({
        address: box.address,
        mailboxType: box.type,
        mailboxTypeLabel: mailboxTypeLabels[box.type],
        displayName: box.service ? `${name} — ${box.service}` : name,
        profession: null,
        specialty: null,
        organisation: name,
        city: cityOf(o),
        rpps: null,
        idNatPs: null,
        description: box.description,
      });
    }
  }
  return out;
}
