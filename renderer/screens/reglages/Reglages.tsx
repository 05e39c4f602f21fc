/**
 * Réglages: where this post's configuration comes from (read-only), and the
 * few preferences a practitioner may change, saved one by one.
 */
import './reglages.css';
import { useEffect, useId, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import { environmentLabels, serviceLabels } from '../../../shared/domain/services.js';
import { specialtyLabels } from '../../../shared/domain/practitioner.js';
import { settingSourceLabels, userSettingLabels, userSettingSchemas, type UserSettingKey } from '../../../shared/domain/settings.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { Screen, Section } from '../../components/Screen.js';
import { formatInteger, setPracticeZone } from '../../format.js';
import { practiceZones } from '../../../shared/domain/civil-date.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import { useCabinet } from '../../state/cabinet.js';

type SettingsView = ResponseOf<'settings.get'>;
type Endpoint = SettingsView['endpoints'][number];
type SettingValue = SettingsView['values'][number];

function Locked() {
  return (
    <span className="locked">
      <Icon name="lock" />
      imposé
    </span>
  );
}

const endpointColumns: Column<Endpoint>[] = [
  { header: 'Service', rowHeader: true, className: 'col-nowrap', cell: (endpoint) => serviceLabels[endpoint.id] ?? endpoint.label },
  {
    header: 'Adresse',
    className: 'col-url',
    cell: (endpoint) => (endpoint.url ? <span className="mono">{endpoint.url}</span> : <span className="muted">non configuré</span>),
  },
  { header: 'Origine', cell: (endpoint) => settingSourceLabels[endpoint.source] },
  { header: 'Verrou', className: 'col-nowrap', cell: (endpoint) => (endpoint.locked ? <Locked /> : <span className="muted">—</span>) },
];

export function Reglages() {
  const { info } = useCabinet();
  const settings = useChannel('settings.get', {});
  const view = settings.data;
  const loadError = settings.failure;
  const setView = settings.setData;

  return (
    <Screen title="Réglages" intro="La configuration de ce poste et vos préférences.">
      {loadError ? <LoadError failure={loadError} title="Impossible de lire les réglages" /> : null}
      {!view ? (
        loadError ? null : (
          <p className="muted" role="status">
            Chargement des réglages…
          </p>
        )
      ) : (
        <>
          <Section id="preferences" title="Préférences">
            <div className="settings-list">
              {view.values
                .filter((setting) => !isIdentitySetting(setting.key))
                .map((setting) => (
                  <SettingField key={setting.key} setting={setting} onSaved={setView} />
                ))}
            </div>
          </Section>

          {view.values.some((setting) => isIdentitySetting(setting.key)) ? (
            <Section id="identite" title="Carte CPS et identité">
              <p className="section__intro">
                Le module du lecteur de carte, et ce que la carte CPS ne contient pas : la spécialité et la structure, transmises au DMP
                avec votre identité et prises en compte à votre prochaine connexion.
              </p>
              <div className="settings-list">
                {view.values
                  .filter((setting) => isIdentitySetting(setting.key))
                  .map((setting) => (
                    <SettingField key={setting.key} setting={setting} onSaved={setView} />
                  ))}
              </div>
            </Section>
          ) : null}

          <Section id="poste" title="Ce poste">
            <dl className="facts">
              <div className="facts__row">
                <dt>Environnement</dt>
                <dd>
                  {environmentLabels[view.env]}
                  <span className="facts__source"> — {settingSourceLabels[view.envSource]}</span>
                </dd>
              </div>
              <div className="facts__row">
                <dt>Dossier des données</dt>
                <dd className="mono">{view.dataDir}</dd>
              </div>
              <div className="facts__row">
                <dt>Fichier de configuration gérée</dt>
                <dd className={view.managedFile ? 'mono' : undefined}>{view.managedFile ?? 'aucun'}</dd>
              </div>
              {view.traceDir ? (
                <div className="facts__row">
                  <dt>Dossier des traces</dt>
                  <dd className="mono">{view.traceDir}</dd>
                </div>
              ) : null}
              {info ? (
                <div className="facts__row">
                  <dt>Version</dt>
                  <dd>
                    Cabinet {info.version}
                    <span className="facts__source">
                      {' '}
                      — {info.host === 'electron' ? 'application' : info.host}, {info.platform}
                    </span>
                  </dd>
                </div>
              ) : null}
            </dl>
          </Section>

          <Section id="adresses" title="Adresses des services nationaux">
            <p className="section__intro">
              Ces adresses dépendent de l’environnement ; seul l’administrateur du poste peut les changer (fichier de configuration gérée ou
              variables d’environnement).
            </p>
            <DataTable
              caption="Adresses des services nationaux"
              captionHidden
              columns={endpointColumns}
              rows={view.endpoints}
              rowKey={(endpoint) => endpoint.id}
            />
          </Section>
        </>
      )}
    </Screen>
  );
}

type Feedback = { tone: 'success' | 'error'; text: string } | null;

function isIdentitySetting(key: UserSettingKey): boolean {
  return key.startsWith('identity.');
}

/** Text settings: how each one is typed, shown and cleaned before saving. */
const textSettings: Partial<
  Record<UserSettingKey, { placeholder?: string; mono?: boolean; normalize?: (value: string) => string; list?: boolean }>
> = {
  'identity.pkcs11Module': { placeholder: 'Emplacement habituel de la Cryptolib CPS', mono: true },
  'identity.specialite': { placeholder: 'Aucune', normalize: (value) => value.toUpperCase(), list: true },
  'identity.structure': { placeholder: 'Non renseigné' },
  'mss.adresse': { placeholder: 'Non renseignée', mono: true, normalize: (value) => value.trim().toLowerCase() },
};

/** "SM26" → "Qualifié en médecine générale", when known. */
function specialtyOf(code: string): string | null {
  return specialtyLabels[code.trim().toUpperCase()] ?? null;
}

/** One preference: its control, help, origin, and its own save and feedback. */
function SettingField({ setting, onSaved }: { setting: SettingValue; onSaved: (view: SettingsView) => void }) {
  const saving = useAction('settings.set');
  const id = useId();
  const helpId = `${id}-aide`;
  const feedbackId = `${id}-retour`;
  const { label, help } = userSettingLabels[setting.key];
  const [draft, setDraft] = useState(String(setting.value));
  const [feedback, setFeedback] = useState<Feedback>(null);

  useEffect(() => setDraft(String(setting.value)), [setting.value]);

  async function save(value: number | boolean | string) {
    setFeedback(null);
    const outcome = await saving.run({ key: setting.key, value });
    if (outcome.ok) {
      // The screens' « today » and displayed dates follow the practice's time zone at once.
      const zone = outcome.value.values.find((v) => v.key === 'practice.timeZone');
      if (zone) setPracticeZone(String(zone.value));
      onSaved(outcome.value);
      setFeedback({ tone: 'success', text: 'Réglage enregistré.' });
    } else {
      setFeedback({ tone: 'error', text: outcome.message });
    }
  }

  const describedBy = `${helpId} ${feedbackId}`;
  const source = (
    <p className="field__source">
      {setting.locked ? (
        <span className="locked">
          <Icon name="lock" />
          Imposé par l’administrateur
        </span>
      ) : (
        <>Origine : {settingSourceLabels[setting.source]}</>
      )}
    </p>
  );
  const feedbackNode = (
    <div id={feedbackId} className="field__feedback" aria-live="polite">
      {feedback ? (
        <p className={feedback.tone === 'success' ? 'feedback feedback--success' : 'feedback feedback--error'}>
          <Icon name={feedback.tone === 'success' ? 'check' : 'alert'} />
          {feedback.text}
        </p>
      ) : null}
    </div>
  );

  if (typeof setting.value === 'boolean') {
    return (
      <div className={`setting${setting.locked ? ' setting--locked' : ''}`}>
        <div className="setting__main">
          <div className="checkbox">
            <input
              id={id}
              type="checkbox"
              checked={setting.value}
              disabled={setting.locked || saving.pending}
              aria-describedby={describedBy}
              onChange={(event) => void save(event.target.checked)}
            />
            <label htmlFor={id} className="field__label">
              {label}
            </label>
          </div>
          <p id={helpId} className="field__help">
            {help}
          </p>
          {source}
        </div>
        {feedbackNode}
      </div>
    );
  }

  if (setting.key === 'practice.timeZone') {
    return (
      <div className={`setting${setting.locked ? ' setting--locked' : ''}`}>
        <div className="setting__main">
          <label htmlFor={id} className="field__label">
            {label}
          </label>
          <p id={helpId} className="field__help">
            {help}
          </p>
          <div className="setting__control">
            <select
              id={id}
              className="input"
              value={String(setting.value)}
              disabled={setting.locked || saving.pending}
              aria-describedby={describedBy}
              onChange={(event) => void save(event.target.value)}
            >
              {practiceZones.map((zone) => (
                <option key={zone.id} value={zone.id}>
                  {zone.label}
                </option>
              ))}
            </select>
          </div>
          {source}
        </div>
        {feedbackNode}
      </div>
    );
  }

  const schema = userSettingSchemas[setting.key as UserSettingKey];
  const min = 'minValue' in schema && typeof schema.minValue === 'number' ? schema.minValue : undefined;
  const max = 'maxValue' in schema && typeof schema.maxValue === 'number' ? schema.maxValue : undefined;
  const isNumber = typeof setting.value === 'number';
  const text = isNumber ? undefined : (textSettings[setting.key] ?? {});
  const changed = draft.trim() !== String(setting.value);
  const listId = `${id}-choix`;
  const specialty = setting.key === 'identity.specialite' ? specialtyOf(String(setting.value)) : null;

  function submit() {
    if (!isNumber) {
      const clean = draft.trim();
      void save(text?.normalize ? text.normalize(clean) : clean);
      return;
    }
    const value = Number(draft.trim().replace(',', '.'));
    if (draft.trim() === '' || !Number.isInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
      setFeedback({
        tone: 'error',
        text:
          min !== undefined && max !== undefined
            ? `Saisissez un nombre entier entre ${formatInteger(min)} et ${formatInteger(max)}.`
            : 'Saisissez un nombre entier.',
      });
      return;
    }
    void save(value);
  }

  return (
    <div className={`setting${setting.locked ? ' setting--locked' : ''}`}>
      <div className="setting__main">
        <label htmlFor={id} className="field__label">
          {label}
        </label>
        <p id={helpId} className="field__help">
          {help}
        </p>
        <div className="setting__control">
          <input
            id={id}
            className={isNumber ? 'input input--number' : `input input--text${text?.mono ? ' input--mono' : ''}`}
            type={isNumber ? 'number' : 'text'}
            placeholder={text?.placeholder}
            list={text?.list ? listId : undefined}
            spellCheck={isNumber ? undefined : false}
            autoComplete="off"
            inputMode={isNumber ? 'numeric' : undefined}
            min={min}
            max={max}
            step={isNumber ? 1 : undefined}
            value={draft}
            disabled={setting.locked || saving.pending}
            aria-describedby={describedBy}
            aria-invalid={feedback?.tone === 'error' ? true : undefined}
            onChange={(event) => {
              setDraft(event.target.value);
              setFeedback(null);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && changed) submit();
            }}
          />
          {setting.locked ? null : (
            <button type="button" className="button button--primary" disabled={!changed || saving.pending} onClick={submit}>
              {saving.pending ? 'Enregistrement…' : 'Enregistrer'}
            </button>
          )}
          {min !== undefined && max !== undefined ? (
            <span className="field__range">
              de {formatInteger(min)} à {formatInteger(max)}
            </span>
          ) : null}
          {text?.list ? (
            <datalist id={listId}>
              {Object.entries(specialtyLabels).map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </datalist>
          ) : null}
        </div>
        {specialty ? <p className="field__source">Spécialité enregistrée : {specialty}</p> : null}
        {source}
      </div>
      {feedbackNode}
    </div>
  );
}
