import { Background, Controls, type NodeChange, ReactFlow, ReactFlowProvider, applyNodeChanges } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { can, keepPermissions } from '../access/permissions';
import { errorMessage } from '../api/client';
import { api, type Page, type Run, type RunSummary, type Step } from '../api/sluice';
import { type SluiceNode, toFlow, upstreamOf } from '../editor/graph';
import { StepDetail } from '../editor/Inspector';
import { FIT_VIEW, NodeTypesContext, nodeTypes } from '../editor/SluiceNodeView';
import { useNodeTypes } from '../editor/useNodeTypes';
import '../editor/editor.css';
import { downloadJson } from '../ui/download';
import { ErrorNotice, JsonBlock, Pager, StatusPill, duration, formatTime } from '../ui/format';
import { isTerminal, useRunEvents } from './runEvents';
import { useCallTries } from './useCallTries';

const RUN_STATUSES = ['', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'];

export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const [data, setData] = useState<Page<RunSummary> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const filters = {
    workflow: params.get('workflow') ?? '',
    status: params.get('status') ?? '',
    created_by: params.get('created_by') ?? '',
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
    page: Number(params.get('page') ?? '1'),
  };
  const key = params.toString();

  useEffect(() => {
    api
      .runs(filters)
      .then((result) => {
        setData(result);
        setError(null);
      })
      .catch((err) => setError(errorMessage(err)));
  }, [key]);

  function set(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== 'page') next.delete('page');
    setParams(next);
  }

  return (
    <main id="main" className="page" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Runs</h1>
      </div>
      <div className="filters" role="search">
        <label className="field">
          <span className="field__label">Workflow id</span>
          <input className="field__input" inputMode="numeric" value={filters.workflow} onChange={(e) => set('workflow', e.target.value.replace(/\D/g, ''))} />
        </label>
        <label className="field">
          <span className="field__label">Status</span>
          <select className="field__input" value={filters.status} onChange={(e) => set('status', e.target.value)}>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'Any status'}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Started by</span>
          <input className="field__input" value={filters.created_by} placeholder="username" onChange={(e) => set('created_by', e.target.value.trim())} />
        </label>
        <label className="field">
          <span className="field__label">From</span>
          <input className="field__input" type="date" value={filters.since} onChange={(e) => set('since', e.target.value)} />
        </label>
        <label className="field">
          <span className="field__label">Before</span>
          <input className="field__input" type="date" value={filters.until} onChange={(e) => set('until', e.target.value)} />
        </label>
      </div>
      <ErrorNotice message={error} />
      <div className="panel panel--flush">
        <table className="table">
          <caption className="sr-only">Runs</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Workflow</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Who</th>
              <th scope="col">When</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {data?.results.map((run) => (
              <tr key={run.id}>
                <td>
                  <Link to={`/runs/${run.id}`} className="table__primary table__code">
                    {run.id.slice(0, 8)}
                  </Link>
                </td>
                <td>
                  <Link to={`/workflows/${run.workflow}`}>{run.workflow_name}</Link>
                  <div className="muted table__sub">version {run.version}</div>
                </td>
                <td>
                  <StatusPill status={run.status} />
                </td>
                <td>{run.trigger}</td>
                <td>{run.created_by ?? '—'}</td>
                <td>{formatTime(run.created_at)}</td>
                <td>{duration(run.started_at, run.finished_at)}</td>
              </tr>
            ))}
            {data && data.results.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No run matches these filters.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {data && (
        <Pager page={filters.page} hasPrevious={!!data.previous} hasNext={!!data.next} onPage={(n) => set('page', String(n))} />
      )}
    </main>
  );
}

export function RunPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { types } = useNodeTypes();
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'rerun' | 'evidence' | 'cancel' | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const live = useRunEvents(id);

  const load = useCallback(() => {
    api
      .run(id)
      .then(setRun)
      .catch((err) => setError(errorMessage(err)));
  }, [id]);
  useEffect(load, [load]);
  // Refresh the record as steps finish (throttled), and once more at the end.
  const finishedSteps = Object.values(live.steps).filter((s) => s.status !== 'queued' && s.status !== 'running').length;
  useEffect(() => {
    if (finishedSteps === 0 && !isTerminal(live.status)) return undefined;
    const timer = window.setTimeout(load, 150);
    return () => window.clearTimeout(timer);
  }, [finishedSteps, live.status, load]);

  const steps = useMemo(() => new Map((run?.steps ?? []).map((s) => [s.node_id, s])), [run]);
  const tries = useCallTries(id, run?.steps);
  // The graph is parsed once per run (the record is fetched again as steps finish). The nodes
  // live in state so React Flow's measurements stay on them when their colours change.
  const graph = run?.graph;
  const runKey = run?.id;
  const flowGraph = useMemo(() => (graph ? toFlow(graph) : { nodes: [], edges: [] }), [runKey]);
  const [nodes, setNodes] = useState<SluiceNode[]>([]);
  useEffect(() => setNodes(flowGraph.nodes), [flowGraph]);
  useEffect(() => {
    setNodes((current) =>
      current.map((n) => {
        const status = live.steps[n.id]?.status ?? steps.get(n.id)?.status;
        const isSelected = n.id === selected;
        if (status === n.data.status && isSelected === Boolean(n.selected)) return n;
        return { ...n, selected: isSelected, data: { ...n.data, status } };
      }),
    );
  }, [flowGraph, live.steps, steps, selected]);
  const onNodesChange = useCallback(
    (changes: NodeChange<SluiceNode>[]) =>
      setNodes((current) => applyNodeChanges(changes.filter((c) => c.type === 'dimensions'), current)),
    [],
  );

  if (error) return <main id="main" className="page"><p className="notice notice--error">{error}</p></main>;
  if (!run || !types) return <main id="main" className="page"><p className="muted">Loading…</p></main>;

  const status = isTerminal(live.status) || live.status === 'connecting' || live.status === 'lost' ? run.status : live.status;
  const step = selected ? (steps.get(selected) ?? null) : null;
  // Running again needs the right to run the run's workflow; cancelling that too, or having started the run.
  const mayRun = can(run, 'run');
  const mayCancel = mayRun || can(run, 'cancel');

  async function act(kind: 'rerun' | 'evidence' | 'cancel', action: () => Promise<void>) {
    setBusy(kind);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }
  const current = run;
  return (
    <main id="main" className="page page--wide" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">
          Run <code>{run.id.slice(0, 8)}</code> <StatusPill status={status} />
        </h1>
        <div className="page__actions">
          <Link className="button button--secondary" to={`/workflows/${run.workflow}`}>
            {run.workflow_name} (version {run.version})
          </Link>
          <button
            type="button"
            className="button button--secondary"
            disabled={busy === 'evidence'}
            onClick={() =>
              void act('evidence', async () => downloadJson(`run-${current.id}-evidence.json`, await api.evidence(current.id)))
            }
          >
            Evidence (JSON)
          </button>
          {mayRun && isTerminal(status) && (
            <button
              type="button"
              className="button button--secondary"
              disabled={busy === 'rerun'}
              onClick={() => void act('rerun', async () => navigate(`/runs/${(await api.rerun(current.id)).id}`))}
            >
              Run again
            </button>
          )}
          {mayCancel && !isTerminal(status) && (
            <button
              type="button"
              className="button button--secondary"
              disabled={busy === 'cancel'}
              onClick={() => void act('cancel', async () => setRun(keepPermissions(await api.cancelRun(current.id), current)))}
            >
              Cancel run
            </button>
          )}
        </div>
      </div>
      <ErrorNotice message={actionError} />
      <dl className="facts facts--inline">
        <dt>Trigger</dt>
        <dd>{run.trigger}</dd>
        <dt>Started by</dt>
        <dd>{run.created_by ?? '—'}</dd>
        <dt>Created</dt>
        <dd>{formatTime(run.created_at)}</dd>
        <dt>Took</dt>
        <dd>{duration(run.started_at, run.finished_at)}</dd>
      </dl>
      {run.error && (
        <p className="notice notice--error" role="status">
          Failed at <strong>{String(run.error.node ?? '?')}</strong>: {run.error.message}
        </p>
      )}
      <div className="run-layout">
        <section className="panel panel--flush run-graph" aria-label="Graph coloured by outcome">
          <NodeTypesContext.Provider value={types}>
            <ReactFlowProvider>
              <ReactFlow
                nodes={nodes}
                edges={flowGraph.edges}
                onNodesChange={onNodesChange}
                nodeTypes={nodeTypes}
                nodesDraggable={false}
                nodesConnectable={false}
                onNodeClick={(_, node) => setSelected(node.id)}
                onPaneClick={() => setSelected(null)}
                fitView
                fitViewOptions={FIT_VIEW}
                minZoom={0.05}
                proOptions={{ hideAttribution: true }}
              >
                <Background />
                <Controls showInteractive={false} />
              </ReactFlow>
            </ReactFlowProvider>
          </NodeTypesContext.Provider>
        </section>
        <aside className="inspector run-side" aria-label="Details">
          {step ? (
            <>
              <button type="button" className="link-button" onClick={() => setSelected(null)}>
                ← Whole run
              </button>
              <StepDetail step={step} tries={tries} />
              <Lineage run={run} nodeId={step.node_id} steps={steps} onPick={setSelected} />
            </>
          ) : selected ? (
            <p className="muted">Node {selected} did not run.</p>
          ) : (
            <>
              <h2 className="inspector__subtitle">Output</h2>
              <JsonBlock value={run.output} label="Run output" />
              <h2 className="inspector__subtitle">Input</h2>
              <JsonBlock value={run.input} label="Run input" />
              <p className="muted">Click a node for its step: params, input, output, error and where its values came from.</p>
            </>
          )}
        </aside>
      </div>
      <Timeline run={run} onPick={setSelected} />
    </main>
  );
}

/** Where a step's values came from: every upstream step, nearest first, with what it passed on. */
function Lineage({ run, nodeId, steps, onPick }: { run: Run; nodeId: string; steps: Map<string, Step>; onPick: (id: string) => void }) {
  const edges = run.graph.edges;
  const direct = new Set(edges.filter((e) => e.target === nodeId).map((e) => e.source));
  const upstream = upstreamOf(edges, nodeId).sort((a, b) => Number(direct.has(b)) - Number(direct.has(a)));
  return (
    <section className="inspector__section" aria-label="Lineage">
      <h3 className="inspector__subtitle">Where this came from</h3>
      {upstream.length === 0 ? (
        <p className="muted">The run’s input:</p>
      ) : (
        <ol className="lineage">
          {upstream.map((id) => {
            const s = steps.get(id);
            return (
              <li key={id}>
                <button type="button" className="link-button" onClick={() => onPick(id)}>
                  {id}
                </button>{' '}
                <StatusPill status={s?.status ?? 'not run'} /> {direct.has(id) ? <span className="muted">feeds it directly</span> : null}
                {s && <JsonBlock value={s.output} label={`Output of ${id}`} />}
              </li>
            );
          })}
        </ol>
      )}
      {upstream.length === 0 && <JsonBlock value={run.input} label="Run input" />}
    </section>
  );
}

function Timeline({ run, onPick }: { run: Run; onPick: (id: string) => void }) {
  const timed = run.steps.filter((s) => s.started_at);
  const start = Math.min(...timed.map((s) => new Date(s.started_at as string).getTime()), Date.now());
  const end = Math.max(...timed.map((s) => new Date((s.finished_at ?? s.started_at) as string).getTime()), start + 1);
  const span = end - start;
  return (
    <section className="panel" aria-label="Timeline">
      <h2 className="panel__title">Timeline</h2>
      <ol className="timeline">
        {run.steps.map((s) => {
          const from = s.started_at ? new Date(s.started_at).getTime() : start;
          const to = s.finished_at ? new Date(s.finished_at).getTime() : from;
          return (
            <li key={s.node_id} className="timeline__row">
              <button type="button" className="link-button timeline__name" onClick={() => onPick(s.node_id)}>
                {s.node_id}
              </button>
              <span className="timeline__track">
                <span
                  className={`timeline__bar status-bg--${s.status}`}
                  style={{ left: `${((from - start) * 100) / span}%`, width: `${Math.max(((to - from) * 100) / span, 0.5)}%` }}
                />
              </span>
              <span className="timeline__meta">
                <StatusPill status={s.status} /> {duration(s.started_at, s.finished_at)}
                {s.attempts > 1 ? ` · ${s.attempts} attempts` : ''}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
