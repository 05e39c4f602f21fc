/**
 * Connexion: shown instead of the application while nobody is logged in.
 * Three ways to prove who you are — the CPS card and its PIN (default), a
 * software certificate (.p12/.pfx) and its password, or e-CPS (approval on
 * the phone). Secrets are never kept: the field is cleared after every
 * attempt. Failures show the services' own French message.
 */
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Failure, ResponseOf } from '../../../shared/contract/index.js';
import type { IdentitySource } from '../../../shared/domain/practitioner.js';
import { Alert } from '../../components/Alert.js';
import { Icon, type IconName } from '../../components/Icon.js';
import { PIN_MIN_LENGTH, PinPad } from '../../components/PinPad.js';
import { SessionFailure } from '../../components/SessionFailure.js';
import { cabinet } from '../../bridge/index.js';
import { formatInteger } from '../../format.js';
import { call } from '../../state/cabinet.js';
import { useSession } from '../../state/session.js';
import { FieldError } from '../../components/FieldError.js';
import { readAsBase64 } from '../../read-file.js';
import { hrefOf } from '../../routes.js';

type CardsView = ResponseOf<'session.cards'>;
type Card = CardsView['cards'][number];
type EcpsRequest = ResponseOf<'session.ecpsStart'>;

/** How often the card list is read again while the "Carte CPS" choice is open. */
const CARDS_REFRESH_MS = 3_000;
/** A software certificate is a few kilobytes; the contract accepts about 256 KB. */
const P12_MAX_BYTES = 256 * 1024;
const ID_NAT_PS = /^[0-9][0-9A-Za-z]{5,20}$/;
const EXPIRED = 'La demande a expiré sans être validée sur le téléphone. Recommencez.';

const sources: { id: IdentitySource; title: string; hint: string; icon: IconName }[] = [
  { id: 'carte_cps', title: 'Carte CPS', hint: 'Carte dans le lecteur et code PIN', icon: 'carte' },
  { id: 'certificat_logiciel', title: 'Certificat logiciel', hint: 'Fichier .p12 ou .pfx et mot de passe', icon: 'fichier' },
  { id: 'e_cps', title: 'e-CPS', hint: 'Validation sur votre téléphone', icon: 'telephone' },
];

function localFailure(message: string): Failure {
  return { ok: false, code: 'CONFLICT', message };
}

export function Connexion() {
  const { loginHint } = useSession();
  const [source, setSource] = useState<IdentitySource>(loginHint?.source ?? 'carte_cps');
  const id = useId();
  // The first form takes the focus when the screen opens; after a change of method the focus
  // stays on the choice (arrow keys keep moving through the three methods).
  const switched = useRef(false);
  const autoFocus = !switched.current;

  return (
    <div className="gate">
      <div className="gate__panel">
        <header className="gate__header">
          <h1 className="gate__title" tabIndex={-1}>
            Connexion
          </h1>
          <p className="gate__intro">Identifiez-vous pour accéder à Cabinet. Choisissez votre moyen de connexion.</p>
        </header>

        <fieldset className="source-choice">
          <legend className="visually-hidden">Moyen de connexion</legend>
          {sources.map((option) => {
            const optionId = `${id}-${option.id}`;
            return (
              <div key={option.id} className="source-choice__option">
                <input
                  id={optionId}
                  className="source-choice__input"
                  type="radio"
                  name={`${id}-source`}
                  value={option.id}
                  checked={source === option.id}
                  aria-describedby={`${optionId}-aide`}
                  onChange={() => {
                    switched.current = true;
                    setSource(option.id);
                  }}
                />
                <label htmlFor={optionId} className="source-choice__label">
                  <Icon name={option.icon} className="source-choice__icon" />
                  <span className="source-choice__title">{option.title}</span>
                </label>
                <span id={`${optionId}-aide`} className="source-choice__hint">
                  {option.hint}
                </span>
              </div>
            );
          })}
        </fieldset>

        {source === 'carte_cps' ? <CardLogin autoFocus={autoFocus} /> : null}
        {source === 'certificat_logiciel' ? <P12Login autoFocus={autoFocus} /> : null}
        {source === 'e_cps' ? <EcpsLogin autoFocus={autoFocus} initialId={loginHint?.source === 'e_cps' ? loginHint.idNatPs : undefined} /> : null}

        <p className="gate__footer">
          Le lecteur de carte ne répond pas, ou un service est injoignable ?{' '}
          <a href={hrefOf('diagnostic')}>
            <Icon name="diagnostic" />
            Diagnostic du poste
          </a>
        </p>
      </div>
    </div>
  );
}

/** The block of one login method: its title and its form. */
function Method({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const headingId = useId();
  return (
    <section className="login-method" aria-labelledby={headingId}>
      <div className="login-method__header">
        <h2 id={headingId} className="login-method__title">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** Focuses the element once, when the block opens (the first field of the login screen), if asked to. */
function useFocusOnMount<T extends HTMLElement>(enabled = true) {
  const ref = useRef<T>(null);
  const initially = useRef(enabled);
  useEffect(() => {
    if (initially.current) ref.current?.focus();
  }, []);
  return ref;
}

/* ---------- Carte CPS ---------- */

function CardLogin({ autoFocus }: { autoFocus: boolean }) {
  const { apply } = useSession();
  const id = useId();
  const [cards, setCards] = useState<CardsView | null>(null);
  const [cardsFailure, setCardsFailure] = useState<Failure | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [chosen, setChosen] = useState<number | null>(null);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const pinRef = useFocusOnMount<HTMLInputElement>(autoFocus);
  const reading = useRef(false);
  const busyRef = useRef(false);

  const readCards = useCallback(async (manual: boolean) => {
    // Never talk to the reader while a PIN is being checked, nor twice at once.
    if (reading.current || busyRef.current) return;
    reading.current = true;
    if (manual) setRefreshing(true);
    const outcome = await call(() => cabinet.session.cards());
    reading.current = false;
    if (manual) setRefreshing(false);
    if (outcome.ok) {
      setCards(outcome.value);
      setCardsFailure(null);
    } else {
      setCardsFailure(outcome);
    }
  }, []);

  useEffect(() => {
    void readCards(false);
    const timer = window.setInterval(() => void readCards(false), CARDS_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [readCards]);

  const list = cards?.cards ?? [];
  const selected: Card | null = list.find((card) => card.index === chosen) ?? list[0] ?? null;
  // No card to type a PIN for (the reader was read and holds none): the pad waits, greyed, instead
  // of inviting a PIN that can only be refused.
  const noCard = cards !== null && list.length === 0;
  // The PIN field had the focus and is now greyed: give it to the chosen login method, whose arrow
  // keys lead to « Certificat logiciel » and « e-CPS » (never leave the keyboard user on nothing).
  useEffect(() => {
    if (!noCard) return;
    const active = document.activeElement;
    if (active === pinRef.current || active === document.body || active === null) {
      document.querySelector<HTMLInputElement>('.source-choice__input:checked')?.focus();
    }
  }, [noCard, pinRef]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busyRef.current) return;
    setFailure(null);
    if (!selected) {
      setProblem(cards?.message ?? 'Aucune carte CPS détectée : insérez votre carte dans le lecteur.');
      setPin('');
      pinRef.current?.focus();
      return;
    }
    if (pin.length < PIN_MIN_LENGTH) {
      setProblem('Le code PIN comporte de 4 à 12 chiffres.');
      pinRef.current?.focus();
      return;
    }
    setProblem(null);
    const secret = pin;
    setPin('');
    busyRef.current = true;
    setBusy(true);
    const outcome = await call(() => cabinet.session.loginCard({ slotIndex: selected.index, pin: secret }));
    busyRef.current = false;
    setBusy(false);
    if (outcome.ok) {
      apply(outcome.value);
      return;
    }
    setFailure(outcome);
    pinRef.current?.focus();
    void readCards(false);
  }

  return (
    <Method
      title="Connexion par carte CPS"
      actions={
        <button type="button" className="button button--quiet button--small" onClick={() => void readCards(true)} disabled={refreshing || busy}>
          <Icon name="refresh" className={refreshing ? 'icon--spin' : undefined} />
          Actualiser
        </button>
      }
    >
      <form className="login-form login-form--card" onSubmit={(event) => void submit(event)} noValidate>
        <div className="login-form__aside">
          <div className="card-status" aria-live="polite">
            <CardStatus cards={cards} failure={cardsFailure} selected={selected} onChoose={setChosen} groupName={`${id}-carte`} />
          </div>
          {failure ? <SessionFailure failure={failure} /> : null}
          {noCard ? (
            <p className="login-form__diagnostic">
              <a href={hrefOf('diagnostic')}>
                <Icon name="diagnostic" />
                Diagnostic du poste
              </a>{' '}
              : ce qui bloque le lecteur, et que faire.
            </p>
          ) : null}
        </div>
        <div className="login-form__main">
          <PinPad
            id={`${id}-pin`}
            label="Code PIN de la carte"
            value={pin}
            onChange={(value) => {
              setPin(value);
              setProblem(null);
            }}
            inputRef={pinRef}
            help={busy ? 'Vérification par la carte…' : noCard ? 'Insérez d’abord votre carte CPS : le code PIN se saisit ensuite ici.' : 'De 4 à 12 chiffres.'}
            problem={problem}
            busy={busy}
            disabled={noCard}
          />
        </div>
      </form>
    </Method>
  );
}

function CardStatus({
  cards,
  failure,
  selected,
  onChoose,
  groupName,
}: {
  cards: CardsView | null;
  failure: Failure | null;
  selected: Card | null;
  onChoose: (index: number) => void;
  groupName: string;
}) {
  if (failure) {
    return (
      <Alert tone="warning" title="Lecteur de carte inaccessible">
        {failure.message}
      </Alert>
    );
  }
  if (!cards) {
    return (
      <p className="card-status__searching">
        <Icon name="refresh" className="icon--spin" />
        Recherche de votre carte CPS…
      </p>
    );
  }
  if (cards.cards.length === 0) {
    return (
      <Alert tone={cards.moduleFound ? 'info' : 'warning'} title={cards.moduleFound ? 'Aucune carte CPS détectée' : 'Lecteur de carte indisponible'}>
        <p>{cards.message ?? 'Insérez votre carte CPS dans le lecteur.'}</p>
        <p className="card-status__hint">
          {cards.moduleFound
            ? 'La carte s’affichera ici dès qu’elle sera insérée, puce vers le haut.'
            : 'Vous pouvez aussi vous connecter avec un certificat logiciel ou e-CPS.'}
        </p>
        {!cards.moduleFound && cards.modulePath ? (
          <p className="card-status__module">
            Module recherché : <span className="mono">{cards.modulePath}</span>
          </p>
        ) : null}
      </Alert>
    );
  }
  if (cards.cards.length === 1 && selected) {
    return (
      <div className="card-found">
        <Icon name="check" className="card-found__icon" />
        <div>
          <p className="card-found__title">Carte détectée : {selected.tokenLabel || 'carte CPS'}</p>
          <CardDetails card={selected} />
        </div>
      </div>
    );
  }
  return (
    <fieldset className="card-choice">
      <legend className="field__label">{formatInteger(cards.cards.length)} cartes détectées : choisissez la vôtre</legend>
      {cards.cards.map((card) => {
        const optionId = `${groupName}-${card.index}`;
        return (
          <div key={card.index} className="card-choice__option">
            <input
              id={optionId}
              type="radio"
              name={groupName}
              checked={selected?.index === card.index}
              onChange={() => onChoose(card.index)}
              aria-describedby={`${optionId}-details`}
            />
            <label htmlFor={optionId} className="card-choice__label">
              {card.tokenLabel || `Carte du lecteur n° ${card.index + 1}`}
            </label>
            <div id={`${optionId}-details`} className="card-choice__details">
              <CardDetails card={card} />
            </div>
          </div>
        );
      })}
    </fieldset>
  );
}

function CardDetails({ card }: { card: Card }) {
  return (
    <p className="card-details">
      {card.slotDescription || `Lecteur n° ${card.index + 1}`}
      {card.serialNumber ? <> · n° de série {card.serialNumber}</> : null}
    </p>
  );
}

/* ---------- Certificat logiciel ---------- */

interface ChosenFile {
  name: string;
  size: number;
  contentBase64: string;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${formatInteger(bytes)} octets`;
  return `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(bytes / 1024)} Ko`;
}

function P12Login({ autoFocus }: { autoFocus: boolean }) {
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

  async function submit(event: FormEvent) {
    event.preventDefault();
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
    const outcome = await call(() => cabinet.session.loginP12({ fileName: file.name, contentBase64: file.contentBase64, password: secret }));
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
  const passwordHelpId = `${id}-mdp-aide`;

  return (
    <Method title="Connexion par certificat logiciel">
      <form className="login-form" onSubmit={(event) => void submit(event)} noValidate>
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
        <div className="field">
          <label htmlFor={`${id}-mdp`} className="field__label">
            Mot de passe du certificat
          </label>
          <p id={passwordHelpId} className="field__help">
            Le certificat reste sur ce poste, en mémoire, le temps de la session ; le mot de passe n’est jamais enregistré.
          </p>
          <input
            ref={passwordRef}
            id={`${id}-mdp`}
            className="input input--secret"
            type="password"
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            value={password}
            readOnly={busy}
            aria-describedby={passwordHelpId}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <div className="login-form__actions">
          <button type="submit" className="button button--primary button--large" disabled={busy}>
            {busy ? <Icon name="refresh" className="icon--spin" /> : null}
            {busy ? 'Vérification du certificat…' : 'Se connecter'}
          </button>
        </div>
      </form>
    </Method>
  );
}

/* ---------- e-CPS ---------- */

function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (minutes === 0) return `${seconds} s`;
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

function EcpsLogin({ autoFocus, initialId }: { autoFocus: boolean; initialId?: string }) {
  const { apply } = useSession();
  const id = useId();
  const inputRef = useFocusOnMount<HTMLInputElement>(autoFocus);
  const [idNatPs, setIdNatPs] = useState(initialId ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [pending, setPending] = useState<EcpsRequest | null>(null);

  const [refocus, setRefocus] = useState(0);
  const backToForm = useCallback((why: Failure | null) => {
    setPending(null);
    setFailure(why);
    setRefocus((n) => n + 1);
  }, []);

  // Back from the waiting panel: the form is shown again, put the focus in its field.
  useEffect(() => {
    if (refocus > 0) inputRef.current?.focus();
  }, [refocus, inputRef]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (starting) return;
    setFailure(null);
    const value = idNatPs.replace(/\s+/g, '');
    if (!ID_NAT_PS.test(value)) {
      setProblem('Saisissez votre identifiant national : 8 suivi de votre numéro RPPS (12 chiffres en tout), ou 0 suivi de votre numéro ADELI.');
      inputRef.current?.focus();
      return;
    }
    setProblem(null);
    setStarting(true);
    const outcome = await call(() => cabinet.session.ecpsStart({ idNatPs: value }));
    setStarting(false);
    if (outcome.ok) setPending(outcome.value);
    else {
      setFailure(outcome);
      inputRef.current?.focus();
    }
  }

  if (pending) {
    return (
      <Method title="Connexion par e-CPS">
        <EcpsWaiting request={pending} onConnected={apply} onStop={backToForm} />
      </Method>
    );
  }

  const helpId = `${id}-aide`;
  const problemId = `${id}-probleme`;
  return (
    <Method title="Connexion par e-CPS">
      <form className="login-form" onSubmit={(event) => void submit(event)} noValidate>
        {failure ? <SessionFailure failure={failure} /> : null}
        <div className="field">
          <label htmlFor={`${id}-idnat`} className="field__label">
            Identifiant national (RPPS précédé de 8, ou ADELI précédé de 0)
          </label>
          <p id={helpId} className="field__help">
            Par exemple 810001234567 pour le RPPS 10001234567. Une demande de validation sera envoyée à l’application e-CPS de votre
            téléphone.
          </p>
          <input
            ref={inputRef}
            id={`${id}-idnat`}
            className="input input--idnat"
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={25}
            value={idNatPs}
            aria-describedby={problem ? `${problemId} ${helpId}` : helpId}
            aria-invalid={problem ? true : undefined}
            onChange={(event) => {
              setIdNatPs(event.target.value);
              setProblem(null);
            }}
          />
          <FieldError id={problemId} message={problem} />
        </div>
        <div className="login-form__actions">
          <button type="submit" className="button button--primary button--large" disabled={starting}>
            {starting ? <Icon name="refresh" className="icon--spin" /> : <Icon name="telephone" />}
            {starting ? 'Envoi de la demande…' : 'Se connecter avec e-CPS'}
          </button>
        </div>
      </form>
    </Method>
  );
}

function EcpsWaiting({
  request,
  onConnected,
  onStop,
}: {
  request: EcpsRequest;
  onConnected: (view: ResponseOf<'session.get'>) => void;
  onStop: (why: Failure | null) => void;
}) {
  const titleRef = useFocusOnMount<HTMLHeadingElement>();
  const [now, setNow] = useState(() => Date.now());
  const expiresAt = Date.parse(request.expiresAt);
  const remaining = Number.isNaN(expiresAt) ? null : expiresAt - now;

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);

  const expired = remaining !== null && remaining <= 0;
  useEffect(() => {
    if (expired) onStop(localFailure(EXPIRED));
  }, [expired, onStop]);

  // Ask the services every `interval` seconds (1 s at least) until approved, refused or expired.
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const delay = Math.max(1, request.interval) * 1000;
    const poll = async () => {
      if (!Number.isNaN(expiresAt) && Date.now() >= expiresAt) {
        onStop(localFailure(EXPIRED));
        return;
      }
      const outcome = await call(() => cabinet.session.ecpsPoll({ authReqId: request.authReqId }));
      if (stopped) return;
      if (!outcome.ok) {
        onStop(outcome);
        return;
      }
      if (outcome.value.status === 'connecte') {
        if (outcome.value.session) onConnected(outcome.value.session);
        return;
      }
      timer = window.setTimeout(() => void poll(), delay);
    };
    timer = window.setTimeout(() => void poll(), delay);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [request, expiresAt, onConnected, onStop]);

  return (
    <div className="ecps-wait">
      <h3 ref={titleRef} className="ecps-wait__title" tabIndex={-1}>
        Validez la connexion dans l’application e-CPS sur votre téléphone
      </h3>
      <p>Vérifiez que le code affiché sur votre téléphone est bien celui-ci :</p>
      <p className="ecps-wait__binding">
        <span className="visually-hidden">Code à comparer : </span>
        {request.bindingMessage}
      </p>
      <p className="ecps-wait__status" role="status">
        <Icon name="refresh" className="icon--spin" />
        En attente de votre validation…
      </p>
      {remaining !== null ? (
        <p className="ecps-wait__countdown">
          La demande expire dans <strong>{formatRemaining(remaining)}</strong>.
        </p>
      ) : null}
      <p className="field__help">Si les codes sont différents, refusez la demande sur le téléphone puis annulez ici.</p>
      <div className="login-form__actions">
        <button type="button" className="button button--secondary" onClick={() => onStop(null)}>
          Annuler
        </button>
      </div>
    </div>
  );
}
