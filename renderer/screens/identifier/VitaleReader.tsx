/** A test carte Vitale file read instead of the traits (never offered in production). */
import { useId, useRef, useState } from 'react';
import { useFocusBack } from '../../components/useFocusBack.js';
import { Icon } from '../../components/Icon.js';
import { type InsiLookupResult } from '../../ins.js';
import { cabinet } from '../../bridge/index.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { readAsBase64 } from '../../read-file.js';

/** The largest test carte Vitale file accepted (its base64 must fit the contract's 100 000 characters). */
const VITALE_MAX_BYTES = 74_000;

export function VitaleReader({
  busy,
  setBusy,
  onResult,
}: {
  busy: 'traits' | 'vitale' | null;
  setBusy: (busy: 'traits' | 'vitale' | null) => void;
  onResult: (result: InsiLookupResult, fileName: string) => void;
}) {
  const { report } = useCabinet();
  const id = useId();
  const [beneficiary, setBeneficiary] = useState('1');
  const [problem, setProblem] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  useFocusBack(busy === 'vitale', fileRef);
  const beneficiaryNumber = Number(beneficiary);
  const beneficiaryValid = /^\d{1,2}$/.test(beneficiary) && beneficiaryNumber >= 1 && beneficiaryNumber <= 21;

  async function read(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = ''; // choosing the same file again reads it again
    if (!file) return;
    setProblem(null);
    if (!beneficiaryValid) {
      setProblem('Le numéro du bénéficiaire va de 1 à 21.');
      return;
    }
    if (file.size === 0 || file.size > VITALE_MAX_BYTES) {
      setProblem(
        file.size === 0
          ? `Le fichier « ${file.name} » est vide.`
          : `Le fichier « ${file.name} » est trop volumineux pour une carte Vitale de test.`,
      );
      return;
    }
    setBusy('vitale');
    let contentBase64: string;
    try {
      contentBase64 = await readAsBase64(file);
    } catch {
      setBusy(null);
      setProblem(`Le fichier « ${file.name} » n’a pas pu être lu.`);
      return;
    }
    const outcome = await call(() => cabinet.ins.lookupVitale({ fileName: file.name, contentBase64, beneficiaire: beneficiaryNumber - 1 }));
    setBusy(null);
    if (outcome.ok) onResult(outcome.value, file.name);
    else {
      setProblem(outcome.message);
      report(outcome);
    }
  }

  return (
    <section className="vitale" aria-labelledby={`${id}-titre`}>
      <h3 id={`${id}-titre`} className="vitale__title">
        <Icon name="carte" />
        Ou : carte Vitale de test
      </h3>
      <p className="field__help">
        Environnement de test : INSi est interrogé avec les traits d’un fichier de carte Vitale de test (JSON). Contrôlez ensuite la pièce
        d’identité comme pour une saisie.
      </p>
      <div className="vitale__controls">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-beneficiaire`}>
            Bénéficiaire de la carte
          </label>
          <input
            id={`${id}-beneficiaire`}
            className="input input--number"
            type="number"
            min={1}
            max={21}
            value={beneficiary}
            disabled={busy !== null}
            onChange={(event) => setBeneficiary(event.target.value)}
            aria-describedby={`${id}-beneficiaire-aide`}
            aria-invalid={beneficiaryValid ? undefined : true}
          />
          <p id={`${id}-beneficiaire-aide`} className="field__help">
            1 pour le premier de la carte.
          </p>
        </div>
        <div className="file-picker">
          <input
            ref={fileRef}
            id={`${id}-fichier`}
            className="file-picker__input visually-hidden"
            type="file"
            accept=".json,application/json"
            disabled={busy !== null}
            aria-describedby={problem ? `${id}-probleme` : undefined}
            aria-invalid={problem ? true : undefined}
            onChange={(event) => void read(event.currentTarget)}
          />
          <label htmlFor={`${id}-fichier`} className="button button--secondary file-picker__button">
            {busy === 'vitale' ? <Icon name="refresh" className="icon--spin" /> : <Icon name="fichier" />}
            {busy === 'vitale' ? 'Lecture et interrogation d’INSi…' : 'Lire une carte Vitale de test'}
          </label>
        </div>
      </div>
      {problem ? (
        <p id={`${id}-probleme`} className="field__error" role="alert">
          <Icon name="alert" />
          <span>{problem}</span>
        </p>
      ) : null}
    </section>
  );
}
