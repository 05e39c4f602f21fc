/**
 * Login with a software certificate: the .p12/.pfx file (read here, sent
 * once) and its password. The password is never kept.
 */
import { useId, useRef, useState } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { FieldError } from '../../components/FieldError.js';
import { Icon } from '../../components/Icon.js';
import { SessionFailure } from '../../components/SessionFailure.js';
import { cabinet } from '../../bridge/index.js';
import { formatInteger } from '../../format.js';
import { readAsBase64 } from '../../read-file.js';
import { call } from '../../state/cabinet.js';
import { useSession } from '../../state/session.js';
import { LoginMethod, useFocusOnMount } from './LoginMethod.js';
import { SecretForm } from './SecretForm.js';

/** A software certificate is a few kilobytes; the contract accepts about 256 KB. */
const P12_MAX_BYTES = 256 * 1024;

interface ChosenFile {
  name: string;
  size: number;
  contentBase64: string;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${formatInteger(bytes)} octets`;
  return `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(bytes / 1024)} Ko`;
}

export function P12Login({ autoFocus }: { autoFocus: boolean }) {
  const { apply } = useSession();
  const id = useId();
  const fileRef = useFocusOnMount<HTMLInputElement>(autoFocus);
  const passwordRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  async function choose(list: FileList | null) {
    setFailure(null);
    const picked = list?.[0];
    if (!picked) {
      setFile(null);
      return;
    }
    if (picked.size === 0) {
      setFile(null);
      setFileProblem(`Le fichier « ${picked.name} » est vide.`);
      return;
    }
    if (picked.size > P12_MAX_BYTES) {
      setFile(null);
      setFileProblem(`Le fichier « ${picked.name} » est trop volumineux pour être un certificat logiciel (256 Ko au plus).`);
      return;
    }
    try {
      const contentBase64 = await readAsBase64(picked);
      setFile({ name: picked.name, size: picked.size, contentBase64 });
      setFileProblem(null);
      passwordRef.current?.focus();
    } catch {
      setFile(null);
      setFileProblem(`Le fichier « ${picked.name} » n’a pas pu être lu.`);
    }
  }

  async function submit() {
    if (busy) return;
    setFailure(null);
    if (!file) {
      setFileProblem(fileProblem ?? 'Choisissez le fichier de votre certificat (.p12 ou .pfx).');
      fileRef.current?.focus();
      return;
    }
    const secret = password;
    setPassword('');
    setBusy(true);
    const outcome = await call(() =>
      cabinet.session.loginP12({ fileName: file.name, contentBase64: file.contentBase64, password: secret }),
    );
    setBusy(false);
    if (outcome.ok) {
      apply(outcome.value);
      return;
    }
    setFailure(outcome);
    // A wrong password: type it again. Anything about the file itself: choose another one.
    if (outcome.code === 'UNAUTHORIZED') passwordRef.current?.focus();
    else fileRef.current?.focus();
  }

  const fileLabelId = `${id}-fichier-libelle`;
  const fileStateId = `${id}-fichier-choisi`;
  const fileProblemId = `${id}-fichier-probleme`;

  return (
    <LoginMethod title="Connexion par certificat logiciel">
      <SecretForm
        kind="password"
        label="Mot de passe du certificat"
        help="Le certificat reste sur ce poste, en mémoire, le temps de la session ; le mot de passe n’est jamais enregistré."
        value={password}
        onChange={setPassword}
        onSubmit={() => void submit()}
        inputRef={passwordRef}
        busy={busy}
        submit={{ label: 'Se connecter', busyLabel: 'Vérification du certificat…' }}
      >
        {failure ? <SessionFailure failure={failure} /> : null}
        <div className="field">
          <p id={fileLabelId} className="field__label">
            Fichier du certificat (.p12 ou .pfx)
          </p>
          <div className="file-picker">
            <input
              ref={fileRef}
              id={`${id}-fichier`}
              className="file-picker__input visually-hidden"
              type="file"
              accept=".p12,.pfx,application/x-pkcs12"
              aria-labelledby={fileLabelId}
              aria-describedby={fileProblem ? `${fileStateId} ${fileProblemId}` : fileStateId}
              aria-invalid={fileProblem ? true : undefined}
              disabled={busy}
              onChange={(event) => void choose(event.target.files)}
            />
            <label htmlFor={`${id}-fichier`} className="button button--secondary file-picker__button" aria-hidden="true">
              <Icon name="fichier" />
              {file ? 'Choisir un autre fichier…' : 'Choisir le fichier…'}
            </label>
            <p id={fileStateId} className={file ? 'file-picker__name' : 'file-picker__name file-picker__name--empty'}>
              {file ? (
                <>
                  <span className="visually-hidden">Fichier choisi : </span>
                  <strong>{file.name}</strong> <span className="muted">({formatSize(file.size)})</span>
                </>
              ) : (
                'Aucun fichier choisi'
              )}
            </p>
          </div>
          <FieldError id={fileProblemId} message={fileProblem} />
        </div>
      </SecretForm>
    </LoginMethod>
  );
}
