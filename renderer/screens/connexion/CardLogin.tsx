/**
 * Login with the CPS card: the cards the reader holds (read again every few
 * seconds while this method is open), then the card's PIN on its pad.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { Failure, ResponseOf } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { Icon } from '../../components/Icon.js';
import { PIN_MIN_LENGTH } from '../../components/PinPad.js';
import { SessionFailure } from '../../components/SessionFailure.js';
import { cabinet } from '../../bridge/index.js';
import { formatInteger } from '../../format.js';
import { hrefOf } from '../../routes.js';
import { call } from '../../state/cabinet.js';
import { useSession } from '../../state/session.js';
import { LoginMethod, useFocusOnMount } from './LoginMethod.js';
import { PIN_TOO_SHORT, SecretForm } from './SecretForm.js';

type CardsView = ResponseOf<'session.cards'>;
type Card = CardsView['cards'][number];

/** How often the card list is read again while the "Carte CPS" choice is open. */
const CARDS_REFRESH_MS = 3_000;

export function CardLogin({ autoFocus }: { autoFocus: boolean }) {
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

  async function submit() {
    if (busyRef.current) return;
    setFailure(null);
    if (!selected) {
      setProblem(cards?.message ?? 'Aucune carte CPS détectée : insérez votre carte dans le lecteur.');
      setPin('');
      pinRef.current?.focus();
      return;
    }
    if (pin.length < PIN_MIN_LENGTH) {
      setProblem(PIN_TOO_SHORT);
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
    <LoginMethod
      title="Connexion par carte CPS"
      actions={
        <button
          type="button"
          className="button button--quiet button--small"
          onClick={() => void readCards(true)}
          disabled={refreshing || busy}
        >
          <Icon name="refresh" className={refreshing ? 'icon--spin' : undefined} />
          Actualiser
        </button>
      }
    >
      <SecretForm
        kind="pin"
        label="Code PIN de la carte"
        value={pin}
        onChange={(value) => {
          setPin(value);
          setProblem(null);
        }}
        onSubmit={() => void submit()}
        inputRef={pinRef}
        help={
          busy
            ? 'Vérification par la carte…'
            : noCard
              ? 'Insérez d’abord votre carte CPS : le code PIN se saisit ensuite ici.'
              : 'De 4 à 12 chiffres.'
        }
        problem={problem}
        busy={busy}
        disabled={noCard}
        aside={
          <>
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
          </>
        }
      />
    </LoginMethod>
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
      <Alert
        tone={cards.moduleFound ? 'info' : 'warning'}
        title={cards.moduleFound ? 'Aucune carte CPS détectée' : 'Lecteur de carte indisponible'}
      >
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
