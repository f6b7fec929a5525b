import { useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../api/client';
import { api } from '../api/sluice';
import { Dialog } from '../ui/Dialog';
import { ErrorNotice } from '../ui/format';

/** Upload a CSV (header row) or JSONL file: one run per row or line. */
export function BatchUploadDialog({ workflow, onClose }: { workflow: { id: number; name: string }; onClose: () => void }) {
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [concurrency, setConcurrency] = useState(10);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!file) {
      setError('Choose a CSV or JSONL file');
      return;
    }
    setBusy(true);
    try {
      const batch = await api.startBatch(workflow.id, file, concurrency);
      navigate(`/batches/${batch.id}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open title={`Start a batch of “${workflow.name}”`} onClose={onClose}>
      <form onSubmit={submit} className="run-form">
        <label className="field">
          <span className="field__label">File (CSV with a header row, JSONL, or a JSON list)</span>
          <input
            className="field__input"
            type="file"
            name="batch-file"
            accept=".csv,.jsonl,.ndjson,.json,text/csv,application/json"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </label>
        <label className="field">
          <span className="field__label">Runs at a time</span>
          <input
            className="field__input"
            type="number"
            min={1}
            max={1000}
            value={concurrency}
            onChange={(e) => setConcurrency(Number(e.target.value) || 1)}
          />
        </label>
        <ErrorNotice message={error} />
        <div className="dialog__footer">
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            Start batch
          </button>
        </div>
      </form>
    </Dialog>
  );
}
