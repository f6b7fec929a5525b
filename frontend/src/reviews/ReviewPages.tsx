import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { errorMessage } from '../api/client';
import { type ReviewMetrics, type ReviewTask, api, fieldErrors } from '../api/sluice';
import { useCurrentUser } from '../shell/useMe';
import { ErrorNotice, JsonBlock, StatusPill, formatTime } from '../ui/format';
import { type FormField, buildData, fieldsOf, initialTexts, shortcutOf, untilText } from './reviewForm';
import './reviews.css';

const VIEWS = [
  { value: 'open', label: 'To decide' },
  { value: 'approved,rejected,expired', label: 'Decided' },
  { value: '', label: 'All' },
];

/** Calls `onEvent` for every event of /ws/reviews/ (new, claimed, decided, escalated tasks). */
function useReviewEvents(onEvent: () => void): boolean {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [live, setLive] = useState(false);
  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: number | undefined;
    let closed = false;
    const open = () => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${window.location.host}/ws/reviews/`);
      socket.onopen = () => setLive(true);
      socket.onmessage = () => handler.current();
      socket.onclose = () => {
        setLive(false);
        if (!closed) retry = window.setTimeout(open, 3000);
      };
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(retry);
      socket?.close();
    };
  }, []);
  return live;
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) return false;
  const tag = element.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || element.isContentEditable;
}

export function ReviewInboxPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [view, setView] = useState('open');
  const [tasks, setTasks] = useState<ReviewTask[] | null>(null);
  const [count, setCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [metrics, setMetrics] = useState<ReviewMetrics | null>(null);
  const [tick, setTick] = useState(0);
  const selectedId = id ? Number(id) : null;

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  const live = useReviewEvents(refresh);

  useEffect(() => {
    let current = true;
    api
      .reviews({ status: view || undefined, ordering: 'deadline' })
      .then((page) => {
        if (!current) return;
        setTasks(page.results);
        setCount(page.count);
        setError(null);
      })
      .catch((err) => current && setError(errorMessage(err)));
    api
      .reviewMetrics()
      .then((m) => current && setMetrics(m))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [view, tick]);

  const move = useCallback(
    (step: 1 | -1) => {
      if (!tasks || tasks.length === 0) return;
      const index = tasks.findIndex((t) => t.id === selectedId);
      const next = tasks[Math.min(tasks.length - 1, Math.max(0, index + step))];
      if (next) navigate(`/reviews/${next.id}`);
    },
    [tasks, selectedId, navigate],
  );

  const afterDecision = useCallback(() => {
    refresh();
    // Go on with the next case, as someone deciding hundreds a day expects.
    const index = tasks?.findIndex((t) => t.id === selectedId) ?? -1;
    const next = tasks?.[index + 1] ?? tasks?.[index - 1];
    navigate(next && next.id !== selectedId ? `/reviews/${next.id}` : '/reviews');
  }, [refresh, tasks, selectedId, navigate]);

  useEffect(() => {
    const first = tasks?.[0];
    if (selectedId === null && first) navigate(`/reviews/${first.id}`, { replace: true });
  }, [selectedId, tasks, navigate]);

  return (
    <main id="main" className="page page--wide" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Reviews</h1>
        <div className="page__actions">
          <span className={`pill ${live ? 'pill--ok' : ''}`} title="Live updates from /ws/reviews/">
            {live ? 'live' : 'connecting…'}
          </span>
          <label className="field field--inline">
            <span className="field__label">Show</span>
            <select className="field__input" value={view} onChange={(e) => setView(e.target.value)}>
              {VIEWS.map((v) => (
                <option key={v.value} value={v.value}>
                  {v.label}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {metrics && (
        <p className="muted review-metrics" aria-label="Review metrics">
          {metrics.pending} waiting · {metrics.decided} decided
          {metrics.auto_approval_rate !== null && ` · ${Math.round(metrics.auto_approval_rate * 100)}% approved automatically`}
          {metrics.time_to_decision_seconds.p50 !== null && ` · median ${Math.round(metrics.time_to_decision_seconds.p50)} s to decide`}
          {metrics.agreement_with_model !== null && ` · reviewers agree with the model ${Math.round(metrics.agreement_with_model * 100)}%`}
        </p>
      )}
      <ErrorNotice message={error} />
      <div className="review-layout">
        <nav className="panel panel--flush review-list" aria-label="Inbox">
          <p className="review-list__count muted">{tasks ? `${count} task${count === 1 ? '' : 's'}` : 'Loading…'}</p>
          <ul>
            {tasks?.map((task) => (
              <li key={task.id}>
                <Link
                  to={`/reviews/${task.id}`}
                  className={`review-item${task.id === selectedId ? ' review-item--selected' : ''}`}
                  aria-current={task.id === selectedId ? 'true' : undefined}
                >
                  <span className="review-item__title">
                    {task.title || task.node_id} <span className="muted">#{task.id}</span>
                  </span>
                  <span className="review-item__meta">
                    <StatusPill status={task.status} />
                    {task.priority !== 'normal' && <span className={`pill priority--${task.priority}`}>{task.priority}</span>}
                    <span className="muted">{task.workflow_name}</span>
                    <span className="muted">{untilText(task.deadline)}</span>
                    {task.confidence !== null && <span className="muted">{Math.round(task.confidence * 100)}%</span>}
                  </span>
                </Link>
              </li>
            ))}
            {tasks && tasks.length === 0 && <li className="muted review-list__empty">Nothing to decide. New cases appear here as they arrive.</li>}
          </ul>
        </nav>
        {selectedId !== null ? (
          <TaskPanel key={selectedId} taskId={selectedId} version={tick} onDecided={afterDecision} onMove={move} onChanged={refresh} />
        ) : (
          <section className="panel review-task">
            <p className="muted">Pick a task. Shortcuts: j/k next and previous, c claim, a approve, r reject.</p>
          </section>
        )}
      </div>
    </main>
  );
}

function FormFieldInput({ field, value, onChange, invalid }: { field: FormField; value: string; onChange: (v: string) => void; invalid: boolean }) {
  const id = useId();
  let input: React.ReactNode;
  if (field.kind === 'enum') {
    input = (
      <select id={id} className="field__input" value={value} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)}>
        {/* A required field with nothing chosen yet shows that, not its first option as if chosen. */}
        {(!field.required || value === '') && <option value="">—</option>}
        {field.options.map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'boolean') {
    input = (
      <select id={id} className="field__input" value={value} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)}>
        <option value="">—</option>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    );
  } else if (field.kind === 'json') {
    input = <textarea id={id} className="field__input field__input--mono" rows={3} value={value} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value)} />;
  } else {
    input = (
      <input
        id={id}
        className="field__input"
        inputMode={field.kind === 'number' ? 'decimal' : undefined}
        value={value}
        aria-invalid={invalid || undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {field.title}
        {field.required ? ' *' : ''}
      </label>
      {input}
      {field.description && <span className="field__hint">{field.description}</span>}
    </div>
  );
}

function TaskPanel(props: { taskId: number; version: number; onDecided: () => void; onMove: (step: 1 | -1) => void; onChanged: () => void }) {
  const { taskId, version, onDecided, onMove, onChanged } = props;
  const me = useCurrentUser();
  const [task, setTask] = useState<ReviewTask | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [comment, setComment] = useState('');
  const [badField, setBadField] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = useMemo(() => fieldsOf(task?.form), [task?.form]);
  const loaded = useRef(false);

  useEffect(() => {
    let current = true;
    api
      .review(taskId)
      .then((t) => {
        if (!current) return;
        setTask(t);
        if (!loaded.current) {
          setTexts(initialTexts(fieldsOf(t.form), t.proposal, t.form));
          loaded.current = true;
        }
      })
      .catch((err) => current && setError(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [taskId, version]);

  const open = task?.status === 'pending' || task?.status === 'claimed';
  const mayDecide = !!task && task.permissions.includes('decide') && open;
  const heldByOther = task?.status === 'claimed' && task.claimed_by !== me?.username;

  const act = useCallback(
    async (what: 'claim' | 'release' | 'approve' | 'reject') => {
      if (!task || busy) return;
      setBusy(true);
      setError(null);
      setBadField(null);
      try {
        if (what === 'claim') setTask(await api.claimReview(task.id));
        else if (what === 'release') setTask(await api.releaseReview(task.id));
        else {
          let data: Record<string, unknown> | undefined;
          if (fields.length > 0) {
            const built = buildData(fields, texts);
            if (!built.ok) {
              setBadField(built.field);
              setError(`${fields.find((f) => f.name === built.field)?.title ?? built.field}: ${built.message}`);
              return;
            }
            data = built.data;
          }
          await api.decideReview(task.id, { decision: what, data, comment });
          onDecided();
          return;
        }
        onChanged();
      } catch (err) {
        const fieldText = fieldErrors(err);
        const body = (err as { body?: { field?: string } }).body;
        if (body?.field?.startsWith('data.')) setBadField(body.field.slice(5));
        setError(fieldText ?? errorMessage(err));
        // Decided, claimed or given away by someone else meanwhile: show the task as it is now.
        if ((err as { status?: number }).status === 409) onChanged();
      } finally {
        setBusy(false);
      }
    },
    [task, busy, fields, texts, comment, onDecided, onChanged],
  );

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const shortcut = shortcutOf(event, isTyping(event.target));
      if (!shortcut) return;
      event.preventDefault();
      if (shortcut === 'next') onMove(1);
      else if (shortcut === 'previous') onMove(-1);
      else if (mayDecide && !heldByOther) void act(shortcut);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [act, onMove, mayDecide, heldByOther]);

  if (!task) {
    return (
      <section className="panel review-task">
        {error ? <ErrorNotice message={error} /> : <p className="muted" role="status">Loading…</p>}
      </section>
    );
  }

  return (
    <section className="panel review-task" aria-label={`Review task ${task.id}`}>
      <div className="review-task__header">
        <h2 className="panel__title">
          {task.title || `Review of ${task.node_id}`} <StatusPill status={task.status} />
        </h2>
        <p className="muted">
          <Link to={`/runs/${task.run}`}>{task.workflow_name} — run</Link> · node <code>{task.node_id}</code> · for {task.assignees.join(', ')}
          {task.escalated_at && ` · escalated ${formatTime(task.escalated_at)}`} · {task.deadline ? `deadline ${formatTime(task.deadline)} (${untilText(task.deadline)})` : 'no deadline'}
          {task.claimed_by && ` · claimed by ${task.claimed_by}`}
        </p>
      </div>
      {task.instructions && <p className="review-task__instructions">{task.instructions}</p>}
      <div className="review-task__columns">
        <div>
          <h3 className="inspector__subtitle">Case</h3>
          {typeof task.case === 'string' ? <p className="review-task__case">{task.case}</p> : <JsonBlock value={task.case} label="Case" />}
        </div>
        <div>
          <h3 className="inspector__subtitle">
            Proposal
            {task.confidence !== null && (
              <span className="review-confidence" aria-label="Confidence">
                {' '}
                <meter min={0} max={1} low={0.5} high={0.85} optimum={1} value={task.confidence} /> {Math.round(task.confidence * 100)}% confident
              </span>
            )}
          </h3>
          <JsonBlock value={task.proposal} label="Proposal" />
        </div>
      </div>
      {open ? (
        <form
          className="review-task__form"
          onSubmit={(e) => {
            e.preventDefault();
            void act('approve');
          }}
        >
          {fields.length > 0 && (
            <fieldset className="review-fields" disabled={!mayDecide || heldByOther}>
              <legend>Correct the proposal</legend>
              {fields.map((field) => (
                <FormFieldInput
                  key={field.name}
                  field={field}
                  value={texts[field.name] ?? ''}
                  invalid={badField === field.name}
                  onChange={(v) => setTexts((t) => ({ ...t, [field.name]: v }))}
                />
              ))}
            </fieldset>
          )}
          <div className="field">
            <label className="field__label" htmlFor={`comment-${task.id}`}>
              Comment
            </label>
            <textarea id={`comment-${task.id}`} className="field__input" rows={2} value={comment} disabled={!mayDecide || heldByOther} onChange={(e) => setComment(e.target.value)} />
          </div>
          <ErrorNotice message={error} />
          {mayDecide ? (
            <div className="review-task__actions">
              {task.status === 'pending' && (
                <button type="button" className="button button--secondary" disabled={busy} onClick={() => void act('claim')}>
                  Claim <kbd>c</kbd>
                </button>
              )}
              {task.status === 'claimed' && !heldByOther && (
                <button type="button" className="button button--secondary" disabled={busy} onClick={() => void act('release')}>
                  Release
                </button>
              )}
              <button type="button" className="button button--danger" disabled={busy || heldByOther} onClick={() => void act('reject')}>
                Reject <kbd>r</kbd>
              </button>
              <button type="submit" className="button button--primary" disabled={busy || heldByOther}>
                Approve <kbd>a</kbd>
              </button>
              {heldByOther && <span className="muted">{task.claimed_by} is working on this task.</span>}
            </div>
          ) : (
            <p className="muted">You may see this task but it is not yours to decide.</p>
          )}
        </form>
      ) : (
        <div className="review-task__outcome">
          <h3 className="inspector__subtitle">Outcome</h3>
          <dl className="facts">
            <dt>Decision</dt>
            <dd>{task.decision || task.status}</dd>
            <dt>By</dt>
            <dd>{task.decided_by ?? (task.auto ? `automatically (${task.auto})` : '—')}</dd>
            <dt>When</dt>
            <dd>{formatTime(task.decided_at)}</dd>
            {task.comment && (
              <>
                <dt>Comment</dt>
                <dd>{task.comment}</dd>
              </>
            )}
          </dl>
          {task.data !== null && task.data !== undefined && <JsonBlock value={task.data} label="Reviewer's data" />}
        </div>
      )}
      {open && task.permissions.includes('reassign') && <ReassignForm task={task} onDone={(t) => { setTask(t); onChanged(); }} />}
    </section>
  );
}

/** Give the task to other users or teams (`user:<name>`, `group:<team>`), for who may change its workflow. */
function ReassignForm({ task, onDone }: { task: ReviewTask; onDone: (task: ReviewTask) => void }) {
  const id = useId();
  const [text, setText] = useState(task.assignees.join(', '));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const assignees = text.split(',').map((a) => a.trim()).filter(Boolean);
    setBusy(true);
    setError(null);
    try {
      onDone(await api.reassignReview(task.id, assignees));
    } catch (err) {
      setError(fieldErrors(err) ?? errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="review-task__reassign" onSubmit={submit}>
      <div className="field">
        <label className="field__label" htmlFor={id}>
          Assignees
        </label>
        <input id={id} className="field__input field__input--mono" value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} />
        <span className="field__hint">Comma-separated: user:&lt;name&gt;, group:&lt;team&gt;</span>
      </div>
      <ErrorNotice message={error} />
      <button type="submit" className="button button--secondary" disabled={busy}>
        Reassign
      </button>
    </form>
  );
}
