/**
 * The read-receipt question: the sender's Disposition-Notification-To differs
 * from the Return-Path (RFC 8098), so the practitioner decides.
 */
import { Alert } from '../../components/Alert.js';
import { useAction } from '../../data/useChannel.js';
import type { MssMessage } from './model.js';

export function MdnPrompt({ message, onDone }: { message: MssMessage; onDone: (mdn: MssMessage['mdn']) => void }) {
  const sendMdn = useAction('mss.sendMdn');
  const refuseMdn = useAction('mss.refuseMdn');
  if (message.mdn === 'envoye') return <p className="mss-note">Accusé de lecture envoyé.</p>;
  if (message.mdn !== 'a_demander') return null;

  const busy = sendMdn.pending || refuseMdn.pending;
  const failure = sendMdn.failure ?? refuseMdn.failure;
  const act = async (send: boolean) => {
    sendMdn.clear();
    refuseMdn.clear();
    const outcome = await (send ? sendMdn : refuseMdn).run({ id: message.id });
    if (outcome.ok) onDone(outcome.value.mdn);
  };

  return (
    <Alert
      tone="info"
      title="L’expéditeur demande un accusé de lecture"
      actions={
        <>
          <button type="button" className="button button--primary button--small" disabled={busy} onClick={() => void act(true)}>
            Envoyer l’accusé de lecture
          </button>
          <button type="button" className="button button--quiet button--small" disabled={busy} onClick={() => void act(false)}>
            Ne pas envoyer
          </button>
        </>
      }
    >
      <p>
        L’accusé serait envoyé à <strong>{message.mail?.accuseLectureDemandeA[0] ?? 'une autre adresse'}</strong>, qui n’est pas l’adresse
        de retour du message. Vérifiez que vous connaissez ce destinataire avant d’accepter.
      </p>
      {failure ? <p className="text-danger">{failure.message}</p> : null}
    </Alert>
  );
}
