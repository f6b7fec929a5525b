import { useState } from 'react';
import { Dialog } from './Dialog';

interface RollbackDialogProps {
  /** The version to roll back to; null: closed. */
  version: number | null;
  /** What the rollback does, in a sentence or two. */
  explanation: string;
  onClose: () => void;
  onConfirm: (version: number, reason: string) => Promise<void>;
}

/** Confirm a rollback and give its reason (workflows and prompts). */
export function RollbackDialog({ version, explanation, onClose, onConfirm }: RollbackDialogProps) {
  const [reason, setReason] = useState('');
  return (
    <Dialog
      open={version !== null}
      title={`Roll back to version ${version ?? ''}?`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              if (version === null) return;
              void onConfirm(version, reason).then(() => setReason(''));
            }}
          >
            Roll back
          </button>
        </>
      }
    >
      <p>{explanation}</p>
      <label className="field">
        <span className="field__label">Reason</span>
        <input className="field__input" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why roll back?" />
      </label>
    </Dialog>
  );
}
