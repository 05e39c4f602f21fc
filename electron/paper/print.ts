/**
 * Gathers what « Imprimer pour le patient » prints: the patient's identity,
 * every document this post sent or queued for them (DMP feeds with their
 * PDF taken from the queued CDA; mails with their delivery state), and
 * whether Mon espace santé is involved. Audited (`paper.print`).
 */
import { isPatientMssAddress } from '../../shared/domain/mss/address.js';
import { deliveryLabels, deliveryOf, type DeliveryState } from '../../shared/domain/mss/delivery.js';
import { formatIns } from '../../shared/domain/ins/matricule.js';
import { outboxStateLabels, type OutboxState } from '../../shared/domain/outbox.js';
import type { PracticeClock } from '../../shared/domain/civil-date.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import type { Outbox } from '../platform/outbox/outbox.js';
import type { Store } from '../platform/store/database.js';
import type { DmpService } from '../dmp/service.js';
import type { PatientService } from '../patients/service.js';
import { readCda } from '../dmp/cda-reader.js';
import { buildPatientSheet, type SheetDocument } from './sheet.js';
import { formatCivilDate, formatInstant, isCivilDate } from '../../shared/domain/civil-date.js';

/** What the sheet reads (the services' composition root passes itself). */
interface Deps {
  patients: PatientService;
  dmp: DmpService;
  outbox: Outbox;
  store: Store;
  audit: AuditLog;
  clock: PracticeClock;
}

export async function patientSheet(services: Deps, uid: string, actor: string, practitioner: string) {
  const zone = services.clock.zone();
  /** « JJ/MM/AAAA » of a calendar date or of an instant, on the practice's calendar. */
  const civil = (iso: string): string => {
    if (isCivilDate(iso)) return formatCivilDate(iso);
    return Number.isNaN(Date.parse(iso)) ? iso : formatInstant(iso, zone, 'date');
  };
  const p = services.patients.get(uid, actor);
  const documents: SheetDocument[] = [];
  let espaceSante = false;

  for (const feed of services.dmp.cache.feeds({ patientUid: uid }, 50)) {
    espaceSante = true;
    // No outbox row any more: the practitioner cancelled it (« Annuler l’envoi »).
    const state = feed.outboxState as OutboxState | null;
    const route = `DMP (Mon espace santé) — ${state === null ? 'envoi annulé' : state === 'envoye' ? 'déposé' : outboxStateLabels[state]}`;
    let pdf: Uint8Array | null = null;
    const payload = services.outbox.payloadOf(feed.outboxId) as { cdaBase64?: unknown } | null;
    if (payload && typeof payload.cdaBase64 === 'string') {
      const reading = readCda(Buffer.from(payload.cdaBase64, 'base64'));
      if (reading?.pdfBase64) pdf = Buffer.from(reading.pdfBase64, 'base64');
    }
    documents.push({ title: feed.title, date: civil(feed.createdAt), route, pdf });
  }

  const mails = services.store.db
    .prepare('SELECT message_id, subject, recipients, created_at FROM mss_sent WHERE patient_uid = ? ORDER BY created_at DESC LIMIT 50')
    .all(uid) as {
    message_id: string;
    subject: string;
    recipients: string;
    created_at: string;
  }[];
  const receipts = services.store.db.prepare('SELECT recipient, state, label, at FROM mss_receipts WHERE message_id = ? ORDER BY id');
  for (const m of mails) {
    const recipients = JSON.parse(m.recipients) as string[];
    const toPatient = recipients.some(isPatientMssAddress);
    if (toPatient) espaceSante = true;
    const delivery = deliveryOf(
      receipts.all(m.message_id) as { recipient: string; state: DeliveryState; label: string; at: string }[],
      recipients,
    );
    const route = `${toPatient ? 'Messagerie de Mon espace santé' : `Messagerie sécurisée (${recipients.join(', ')})`} — ${deliveryLabels[delivery.state]}`;
    documents.push({ title: `Message « ${m.subject} »`, date: civil(m.created_at), route, pdf: null });
  }

  const result = await buildPatientSheet({
    patient: {
      name: `${p.firstName} ${p.usedName ?? p.birthName}`,
      birthName: p.birthName,
      firstNames: p.firstNames,
      sex: p.sex,
      birthDate: civil(p.birthDate),
      birthplace: p.birthplace,
      ins: p.ins ? `${formatIns(p.ins)} (${p.statusLabel})` : null,
      status: p.statusLabel,
    },
    practitioner,
    printedOn: formatCivilDate(services.clock.today()),
    documents,
    espaceSante,
  });
  services.audit.append({
    actor,
    action: 'paper.print',
    subject: uid,
    details: { documents: documents.length, pages: result.pages, espaceSante },
  });
  return { ...result, fileName: `documents-${p.birthName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${services.clock.today()}.pdf` };
}
