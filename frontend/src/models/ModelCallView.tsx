import type { ModelTry, StepModelCall } from '../api/sluice';
import { attemptsText, callModel, describeTry, formatCost, formatMs, formatTokens } from './callFormat';
import './models.css';

interface ModelCallViewProps {
  call: StepModelCall;
  /**
   * The tries, where the call does not carry them (a step's calls do not): a list; null while
   * they are being looked up; undefined where nobody looks them up (they are on the run page).
   */
  tries?: readonly ModelTry[] | null;
  /** Its heading's level text, e.g. "Model call 1". */
  title: string;
}

/** One recorded model call: which model answered, tokens, cost, latency, attempts and failovers. */
export function ModelCallView({ call, tries, title }: ModelCallViewProps) {
  const list = call.tries ?? tries;
  return (
    <section className="model-call" aria-label={title}>
      <h4 className="model-call__title">
        {title} <span className={`pill ${call.status === 'ok' ? 'pill--ok' : 'pill--fail'}`}>{call.status}</span>
      </h4>
      <dl className="facts">
        <dt>Model</dt>
        <dd className="table__code">{callModel(call)}</dd>
        <dt>Profile</dt>
        <dd>
          {call.profile}
          {call.target !== null && call.target !== undefined && call.provider ? <span className="muted"> · target {call.target + 1}</span> : null}
        </dd>
        <dt>Tokens</dt>
        <dd>{formatTokens(call)}</dd>
        <dt>Cost</dt>
        <dd>{call.cost === null ? <span className="muted">no price for this model</span> : formatCost(call.cost)}</dd>
        <dt>Latency</dt>
        <dd>{formatMs(call.latency_ms)}</dd>
        <dt>First token</dt>
        <dd>{call.ttft_ms === null || call.ttft_ms === undefined ? <span className="muted">not streamed</span> : formatMs(call.ttft_ms)}</dd>
        <dt>Attempts</dt>
        <dd>{attemptsText(call)}</dd>
      </dl>
      {call.error && (
        <p className="notice notice--error model-call__error" role="status">
          {call.error}
        </p>
      )}
      {call.failovers > 0 &&
        (list && list.length > 0 ? (
          <div>
            <h5 className="model-call__tries-title">Tries</h5>
            <ol className="model-call__tries" aria-label={`Tries of ${title.toLowerCase()}`}>
              {list.map((t, i) => (
                <li key={i} className={`model-call__try model-call__try--${t.status}`}>
                  {describeTry(t)}
                </li>
              ))}
            </ol>
          </div>
        ) : (
          <p className="muted">{list === null ? 'Loading the tries…' : 'Each try is listed on the run page.'}</p>
        ))}
    </section>
  );
}

/** A step's model calls, each in full. */
export function StepModelCalls({ calls, tries }: { calls: readonly StepModelCall[]; tries?: ReadonlyMap<number, readonly ModelTry[]> | null }) {
  if (calls.length === 0) return null;
  return (
    <section className="inspector__section" aria-label="Model calls">
      <h3 className="inspector__subtitle">
        Model calls <span className="muted">({calls.length})</span>
      </h3>
      {calls.map((call, i) => (
        <ModelCallView key={call.id} call={call} tries={tries === null ? null : tries?.get(call.id)} title={calls.length === 1 ? 'Model call' : `Model call ${i + 1}`} />
      ))}
    </section>
  );
}
