import { useState } from 'react';
import type { JsonSchema } from '../api/sluice';
import { Dialog } from '../ui/Dialog';
import { SchemaForm, fromText } from './SchemaForm';

interface RunDialogProps {
  open: boolean;
  onClose: () => void;
  onRun: (input: unknown) => Promise<void>;
  /** The trigger's `input_schema`: a form instead of raw JSON. */
  inputSchema?: Record<string, unknown>;
  needsSave: boolean;
}

export function RunDialog({ open, onClose, onRun, inputSchema, needsSave }: RunDialogProps) {
  const [text, setText] = useState('{}');
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const schema = inputSchema as JsonSchema | undefined;
  const useForm = Boolean(schema?.properties && Object.keys(schema.properties).length);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    let input: unknown = values;
    if (!useForm) {
      const parsed = fromText(text);
      if (!parsed.ok || (parsed.value !== undefined && typeof parsed.value !== 'object')) {
        setError('The input must be a JSON object, e.g. {"name": "Ada"}');
        return;
      }
      input = parsed.value ?? {};
    }
    setError(null);
    setBusy(true);
    try {
      await onRun(input);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} title="Run this workflow" onClose={onClose}>
      <form onSubmit={submit} className="run-form">
        {useForm && schema ? (
          <SchemaForm
            scope="input"
            nodeId="run"
            schema={schema}
            values={values}
            onChange={setValues}
            problems={[]}
            suggestions={[]}
          />
        ) : (
          <div className="field">
            <label className="field__label" htmlFor="run-input">
              Input (JSON)
            </label>
            <textarea
              id="run-input"
              className="field__input field__input--mono"
              rows={8}
              value={text}
              onChange={(e) => setText(e.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby="run-input-hint"
              spellCheck={false}
            />
            <p id="run-input-hint" className="field__hint">
              Templates read it as <code>{'{{ input.<field> }}'}</code>.
            </p>
          </div>
        )}
        {error && (
          <p className="notice notice--error" role="alert">
            {error}
          </p>
        )}
        {needsSave && <p className="muted">Your changes are saved first.</p>}
        <div className="dialog__footer">
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {needsSave ? 'Save and run' : 'Start run'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
