/**
 * A patient's page: the identity (traits, status, INS with its kind, identity
 * attributes and their editor), the identity document checked (or the form
 * to record it), the re-verification of the INS with INSi, and the history
 * of the identity status.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { FailureAlert } from '../../components/FormActions.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { DateTime } from '../../components/DateTime.js';
import { DocumentCheckForm } from '../../components/DocumentCheckForm.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { patientName, usedNameText } from '../../components/PatientName.js';
import { Screen, Section } from '../../components/Screen.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { useFocusBack } from '../../components/useFocusBack.js';
import { formatBirthDate, formatDay, sexLabel } from '../../format.js';
import {
  attributeLabel,
  blockingAttributes,
  differenceLabel,
  documentLabel,
  editableAttributes,
  formatIns,
  isAlarmingAttribute,
  statusMeanings,
  type PatientDetail,
} from '../../ins.js';
import { patientHrefs } from '../../routes.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import { InsHistoryList } from '../../components/InsHistoryList.js';
import { PatientMail } from '../messagerie/PatientMail.js';
import { DmpPanel } from './DmpPanel.js';
import './patient.css';
import { PrintForPatient } from '../../components/PrintForPatient.js';
import { ServiceOutage } from '../../components/ServiceOutage.js';
import { needsInsiQuery } from '../../../shared/domain/ins/requery.js';

type HistoryEntry = PatientDetail['history'][number] & { n: number };
type Reverify = ResponseOf<'patients.reverify'>;

export function Patient({ uid }: { uid: string }) {
  const {
    data: patient,
    failure: loadError,
    reload,
    setData,
  } = useChannel('patients.get', { uid }, { refreshOn: ['patientsChanged'], refreshWhen: (_event, payload) => payload.uid === uid });
  /** An answer of the services carrying the patient: newer than anything loaded before. */
  const apply = setData;

  const back = (
    <a className="button button--quiet" href={patientHrefs.list}>
      <Icon name="retour" />
      Retour à la liste des patients
    </a>
  );

  if (!patient) {
    return (
      <Screen title="Fiche patient" actions={back}>
        {loadError ? (
          <LoadError failure={loadError} title={loadError.code === 'NOT_FOUND' ? 'Patient introuvable' : 'Impossible de lire ce patient'} />
        ) : (
          <p className="muted">Chargement du patient…</p>
        )}
      </Screen>
    );
  }

  return (
    <Screen
      title={patientName(patient)}
      intro={usedNameText(patient) ?? undefined}
      actions={
        <>
          <PrintForPatient uid={patient.uid} />
          {back}
        </>
      }
    >
      <ServiceOutage services={['dmp', 'insi']} />
      {needsInsiQuery(patient) ? (
        <Alert tone="warning" title="À réinterroger auprès d’INSi">
          <p>
            Cette identité n’a pas encore été vérifiée par le téléservice INSi (créée pendant une panne, ou sans interrogation). Rien n’est
            partagé pour ce patient tant qu’elle n’est pas qualifiée.{' '}
            <a href={patientHrefs.identifyExisting(patient.uid)}>Interroger INSi maintenant</a>
          </p>
        </Alert>
      ) : null}
      <div className="status-summary">
        <StatusBadge status={patient.status} label={patient.statusLabel} size="large" />
        {patient.attributes.filter(isAlarmingAttribute).map((code) => (
          <span key={code} className="chip chip--warning">
            <Icon name="alert" />
            {attributeLabel(code)}
          </span>
        ))}
        <p className="status-summary__text">{statusMeanings[patient.status]}</p>
      </div>

      <PageContents />
      <IdentitySection patient={patient} onChanged={apply} />
      <DocumentSection patient={patient} onChanged={apply} />
      {/* The two mail buttons before the DMP panel: reached without scrolling past the documents. */}
      <PatientMail
        patient={{ uid: patient.uid, status: patient.status, hasIns: patient.ins !== null, medecinTraitant: patient.medecinTraitant }}
      />
      <DmpPanel
        patient={{ uid: patient.uid, displayName: patientName(patient), qualified: patient.status === 'QUAL' && patient.ins !== null }}
      />
      <InsiSection patient={patient} onChecked={() => void reload()} />
      <HistorySection history={patient.history} />
    </Screen>
  );
}

/* ---------- Contents ---------- */

/** The page's sections, in their order (ids of their <Section>). */
const pageSections = [
  { id: 'identite', label: 'Identité' },
  { id: 'piece', label: 'Pièce d’identité' },
  { id: 'messagerie-patient', label: 'Messagerie' },
  { id: 'dmp', label: 'DMP' },
  { id: 'insi', label: 'INSi' },
  { id: 'historique', label: 'Historique' },
] as const;

/**
 * « Aller à » : one button per section of a long page. Buttons, not #anchors (the address's hash is
 * the route); the section's title takes the focus, so a screen reader and the keyboard follow.
 */
function PageContents() {
  const go = (id: string) => {
    const heading = document.getElementById(`${id}-titre`);
    if (!heading) return;
    heading.setAttribute('tabindex', '-1');
    heading.scrollIntoView({ block: 'start' });
    heading.focus({ preventScroll: true });
  };
  return (
    <nav className="page-contents" aria-label="Sections de la fiche">
      <span className="page-contents__label" aria-hidden="true">
        Aller à :
      </span>
      <ul className="cluster">
        {pageSections.map((section) => (
          <li key={section.id}>
            <button type="button" className="button button--quiet button--small" onClick={() => go(section.id)}>
              {section.label}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/* ---------- Identity ---------- */

function IdentitySection({ patient, onChanged }: { patient: PatientDetail; onChanged: (patient: PatientDetail) => void }) {
  const firstName = patient.firstName || patient.firstNames.split(' ')[0] || '';
  return (
    <Section id="identite" title="Identité">
      <dl className="facts facts--two-columns">
        <div className="facts__row">
          <dt>Nom de naissance</dt>
          <dd className="trait-value">{patient.birthName}</dd>
        </div>
        <div className="facts__row">
          <dt>Nom utilisé</dt>
          <dd className={patient.usedName ? 'trait-value' : 'muted'}>{patient.usedName ?? 'aucun'}</dd>
        </div>
        <div className="facts__row">
          <dt>Prénoms</dt>
          <dd>
            <span className="trait-value">{patient.firstNames}</span>
            {patient.firstNames !== firstName ? <span className="facts__source"> — premier prénom : {firstName}</span> : null}
          </dd>
        </div>
        <div className="facts__row">
          <dt>Sexe</dt>
          <dd>{sexLabel(patient.sex)}</dd>
        </div>
        <div className="facts__row">
          <dt>Date de naissance</dt>
          <dd>{formatBirthDate(patient.birthDate)}</dd>
        </div>
        <div className="facts__row">
          <dt>Lieu de naissance (code COG)</dt>
          <dd className={patient.birthplace ? 'mono' : 'muted'}>{patient.birthplace ?? 'non renseigné'}</dd>
        </div>
        <div className="facts__row facts__row--wide">
          <dt>INS</dt>
          <dd>
            <InsFact patient={patient} />
          </dd>
        </div>
        {patient.insHistory.length > 0 ? (
          <div className="facts__row facts__row--wide">
            <dt>Anciens INS</dt>
            <dd>
              <InsHistoryList entries={patient.insHistory} />
            </dd>
          </div>
        ) : null}
        <div className="facts__row facts__row--wide">
          <dt>Attributs de l’identité</dt>
          <dd>
            <AttributesEditor patient={patient} onChanged={onChanged} />
          </dd>
        </div>
      </dl>
    </Section>
  );
}

function InsFact({ patient }: { patient: PatientDetail }) {
  if (patient.ins) {
    return (
      <span className="ins-value">
        <span className="ins-number">{formatIns(patient.ins)}</span>
        <span className="ins-value__oid">{patient.ins.oidLabel}</span>
      </span>
    );
  }
  if (patient.insLocal) {
    return (
      <span className="ins-value">
        <span className="ins-number ins-number--local">{formatIns(patient.insLocal)}</span>
        <span className="ins-value__oid">{patient.insLocal.oidLabel}</span>
        <span className="ins-value__warning">
          <Icon name="alert" />
          Identité non qualifiée : cet INS reste sur ce poste, il ne peut pas être utilisé pour le DMP ni la messagerie.
        </span>
      </span>
    );
  }
  return <span className="muted">Aucun INS : l’identité n’a pas été récupérée auprès d’INSi.</span>;
}

function AttributesEditor({ patient, onChanged }: { patient: PatientDetail; onChanged: (patient: PatientDetail) => void }) {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [chosen, setChosen] = useState<string[]>(patient.attributes);
  const { run: setAttributes, pending: busy } = useAction('patients.setAttributes');
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  const saveRef = useRef<HTMLButtonElement>(null);
  useFocusBack(busy, saveRef);

  useEffect(() => {
    if (editing) firstRef.current?.focus();
  }, [editing]);

  const blockingAdded = chosen.filter((code) => (code === 'DOUT' || code === 'FICT') && !patient.attributes.includes(code));

  function close() {
    setEditing(false);
    // Back to the button that opened the editor.
    window.setTimeout(() => openRef.current?.focus(), 0);
  }

  async function save() {
    setNotice(null);
    // The attributes set elsewhere (doublon, collision…) are kept as they are.
    const others = patient.attributes.filter((code) => !editableAttributes.some((a) => a.code === code));
    const attributes = [...others, ...editableAttributes.map((a) => a.code).filter((code) => chosen.includes(code))];
    const outcome = await setAttributes({ uid: patient.uid, attributes });
    if (outcome.ok) {
      onChanged(outcome.value);
      setNotice({ tone: 'success', text: 'Attributs de l’identité enregistrés.' });
      close();
    } else {
      setNotice({ tone: 'error', text: outcome.message });
    }
  }

  return (
    <div className="attributes">
      {!editing ? (
        <div className="attributes__view">
          {patient.attributes.length > 0 ? (
            <ul className="chips" aria-label="Attributs">
              {patient.attributes.map((code) => (
                <li key={code} className={`chip${isAlarmingAttribute(code) ? ' chip--warning' : ''}`}>
                  {isAlarmingAttribute(code) ? <Icon name="alert" /> : null}
                  {attributeLabel(code)}
                </li>
              ))}
            </ul>
          ) : (
            <span className="muted">Aucun attribut (identité ni douteuse, ni fictive, sans homonyme signalé).</span>
          )}
          <button
            ref={openRef}
            type="button"
            className="button button--quiet button--small"
            onClick={() => {
              setChosen(patient.attributes);
              setNotice(null);
              setEditing(true);
            }}
          >
            <Icon name="modifier" />
            Modifier les attributs
          </button>
        </div>
      ) : (
        <fieldset className="attributes__editor">
          <legend className="visually-hidden">Attributs de l’identité</legend>
          {editableAttributes.map((attribute, index) => (
            <div key={attribute.code} className="checkbox checkbox--described">
              <input
                ref={index === 0 ? firstRef : undefined}
                id={`${id}-${attribute.code}`}
                type="checkbox"
                checked={chosen.includes(attribute.code)}
                disabled={busy}
                onChange={(event) =>
                  setChosen((previous) =>
                    event.target.checked ? [...previous, attribute.code] : previous.filter((code) => code !== attribute.code),
                  )
                }
                aria-describedby={`${id}-${attribute.code}-aide`}
              />
              <label htmlFor={`${id}-${attribute.code}`}>{attribute.label}</label>
              <p id={`${id}-${attribute.code}-aide`} className="field__help">
                {attribute.hint}
              </p>
            </div>
          ))}
          {blockingAdded.length > 0 && patient.status !== 'PROV' ? (
            <Alert tone="warning" title="L’identité redeviendra provisoire">
              Une identité douteuse ou fictive ne peut être ni récupérée ni qualifiée : son INS ne pourra plus être utilisé.
            </Alert>
          ) : null}
          {notice?.tone === 'error' ? <Alert tone="error">{notice.text}</Alert> : null}
          <div className="form-actions">
            <button ref={saveRef} type="button" className="button button--primary" disabled={busy} onClick={() => void save()}>
              {busy ? 'Enregistrement…' : 'Enregistrer les attributs'}
            </button>
            <button type="button" className="button button--quiet" disabled={busy} onClick={close}>
              Annuler
            </button>
          </div>
        </fieldset>
      )}
      <p className="notice-slot" role="status">
        {notice?.tone === 'success' ? notice.text : ''}
      </p>
    </div>
  );
}

/** Why an action is not offered: a doubtful or fictitious identity stays provisional. */
function BlockedNotice({ attributes, action }: { attributes: string[]; action: string }) {
  const what = attributes.map((code) => attributeLabel(code).toLocaleLowerCase('fr-FR')).join(' et ');
  return (
    <Alert tone="warning" title={`${what.charAt(0).toLocaleUpperCase('fr-FR')}${what.slice(1)} : impossible de ${action}.`}>
      Une identité douteuse ou fictive reste provisoire. Si le doute est levé, retirez l’attribut (« Modifier les attributs », plus haut),
      puis recommencez.
    </Alert>
  );
}

/* ---------- Identity document ---------- */

function DocumentSection({ patient, onChanged }: { patient: PatientDetail; onChanged: (patient: PatientDetail) => void }) {
  const [recorded, setRecorded] = useState<PatientDetail['status'] | null>(null);
  const checked = patient.document;
  const blocked = blockingAttributes(patient.attributes);
  // The form disappears once the check is recorded: the focus goes to the confirmation.
  const doneRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (recorded) doneRef.current?.focus();
  }, [recorded]);
  return (
    <Section id="piece" title="Pièce d’identité contrôlée">
      {recorded ? (
        <div ref={doneRef} tabIndex={-1} className="focus-target">
          <Alert
            tone="success"
            title={
              recorded === 'QUAL'
                ? 'Identité qualifiée : l’INS peut être utilisé pour le DMP et la messagerie.'
                : 'Contrôle de la pièce d’identité enregistré.'
            }
          />
        </div>
      ) : null}
      {checked ? (
        <dl className="facts">
          <div className="facts__row">
            <dt>Pièce présentée</dt>
            <dd>{checked.label || documentLabel(checked.type)}</dd>
          </div>
          <div className="facts__row">
            <dt>Contrôlée le</dt>
            <dd>{formatDay(checked.date)}</dd>
          </div>
          <div className="facts__row">
            <dt>Par</dt>
            <dd>{checked.checkedBy}</dd>
          </div>
        </dl>
      ) : blocked.length > 0 ? (
        <BlockedNotice attributes={blocked} action="contrôler sa pièce d’identité" />
      ) : (
        <>
          <p className="section__intro">
            {patient.status === 'RECUP'
              ? 'L’INS est récupéré : contrôlez une pièce d’identité à haut niveau de confiance pour qualifier l’identité.'
              : 'Aucune pièce d’identité n’a été contrôlée. Le contrôle valide l’identité ; avec un INS récupéré auprès d’INSi, il la qualifie.'}
          </p>
          <div className="panel">
            <DocumentCheckForm
              patient={patient}
              onRecorded={(next) => {
                setRecorded(next.status);
                onChanged(next);
              }}
            />
          </div>
        </>
      )}
    </Section>
  );
}

/* ---------- Re-verification with INSi ---------- */

function InsiSection({ patient, onChecked }: { patient: PatientDetail; onChecked: () => void }) {
  const { run: reverifyPatient, pending: busy, failure } = useAction('patients.reverify');
  const [answer, setAnswer] = useState<Reverify | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  useFocusBack(busy, buttonRef);
  const hasIns = patient.insLocal !== null;
  const blocked = blockingAttributes(patient.attributes);

  async function reverify() {
    setAnswer(null);
    const outcome = await reverifyPatient({ uid: patient.uid });
    if (outcome.ok) {
      setAnswer(outcome.value);
      onChecked(); // the status may have changed
    }
  }

  const differences = answer ? answer.result.differences.map((name) => differenceLabel(name).toLocaleLowerCase('fr-FR')) : [];

  return (
    <Section id="insi" title="Vérification auprès d’INSi">
      <p className="section__intro">
        {patient.insiCheckedAt ? (
          <>
            Dernière interrogation d’INSi : <DateTime iso={patient.insiCheckedAt} />.
          </>
        ) : (
          'INSi n’a encore jamais été interrogé pour ce patient.'
        )}
      </p>
      {blocked.length > 0 ? (
        <BlockedNotice attributes={blocked} action="interroger INSi" />
      ) : hasIns ? (
        <div className="form-actions">
          <button ref={buttonRef} type="button" className="button button--secondary" disabled={busy} onClick={() => void reverify()}>
            <Icon name="refresh" className={busy ? 'icon--spin' : undefined} />
            {busy ? 'Vérification en cours…' : 'Vérifier l’INS auprès d’INSi'}
          </button>
        </div>
      ) : (
        <div className="form-actions">
          <a className="button button--secondary" href={patientHrefs.identifyExisting(patient.uid)}>
            <Icon name="search" />
            Interroger INSi
          </a>
        </div>
      )}
      <div aria-live="polite" className="notice-slot">
        {answer ? (
          answer.same ? (
            <Alert tone="success" title="Identité confirmée par INSi : même INS.">
              {answer.message}
            </Alert>
          ) : (
            <Alert tone="warning" title="Identité à revoir : INSi ne confirme pas l’INS enregistré.">
              <p>{answer.message}</p>
              {differences.length > 0 ? <p>Traits différents : {differences.join(', ')}.</p> : null}
            </Alert>
          )
        ) : null}
      </div>
      <FailureAlert failure={failure} title="Vérification impossible" />
    </Section>
  );
}

/* ---------- Status history ---------- */

const historyColumns: Column<HistoryEntry>[] = [
  { header: 'Date', className: 'col-date', cell: (entry) => <DateTime iso={entry.at} /> },
  { header: 'Par', className: 'col-nowrap', cell: (entry) => entry.actor },
  {
    header: 'Changement de statut',
    className: 'col-nowrap',
    cell: (entry) => (
      <span className="status-change">
        {entry.from ? (
          <>
            <StatusBadge status={entry.from} />
            <span className="status-change__arrow" aria-hidden="true">
              →
            </span>
            <span className="visually-hidden"> devient </span>
          </>
        ) : (
          <span className="muted">Création : </span>
        )}
        <StatusBadge status={entry.to} />
      </span>
    ),
  },
  { header: 'Motif', cell: (entry) => entry.reason },
];

function HistorySection({ history }: { history: PatientDetail['history'] }) {
  // Most recent first.
  const rows: HistoryEntry[] = history.map((entry, n) => ({ ...entry, n })).reverse();
  return (
    <Section id="historique" title="Historique du statut">
      {rows.length === 0 ? (
        <p className="muted">Aucun changement de statut enregistré.</p>
      ) : (
        <DataTable
          caption="Historique du statut de l’identité"
          captionHidden
          columns={historyColumns}
          rows={rows}
          rowKey={(entry) => entry.n}
        />
      )}
    </Section>
  );
}
