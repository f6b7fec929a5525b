import {
  Background,
  Controls,
  type Connection,
  type EdgeChange,
  MiniMap,
  type NodeChange,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useBlocker, useNavigate, useParams } from 'react-router';
import { keepPermissions, workflowAbilities } from '../access/permissions';
import { ShareDialog } from '../access/ShareDialog';
import { ApiError, errorMessage } from '../api/client';
import { api, type GraphDiff, type NodeTypeInfo, type Problem, type Run, type Workflow, problemsOf } from '../api/sluice';
import { isTerminal, useRunEvents } from '../runs/runEvents';
import { Dialog } from '../ui/Dialog';
import { StatusPill } from '../ui/format';
import { FIT_VIEW } from './SluiceNodeView';
import {
  type SluiceEdge,
  type SluiceNode,
  checkConnection,
  defaultParams,
  edgeId,
  fromFlow,
  markDiff,
  markProblems,
  newNodeId,
  pasteClipboard,
  problemsByNode,
  templateSuggestions,
  toFlow,
} from './graph';
import { type History, canRedo, canUndo, record, redo, startHistory, undo } from './history';
import { HistoryPanel } from './HistoryPanel';
import { Inspector } from './Inspector';
import { autoLayout } from './layout';
import { DRAG_TYPE, Palette } from './Palette';
import { RunDialog } from './RunDialog';
import { NodeTypesContext, nodeTypes } from './SluiceNodeView';
import { useNodeTypes } from './useNodeTypes';
import './editor.css';

const MINIMAP_LIMIT = 400;
const DELETE_KEYS = ['Delete', 'Backspace'];

interface Snapshot {
  nodes: SluiceNode[];
  edges: SluiceEdge[];
}

/** Only what the graph stores counts as a change (not selection, sizes or run colours). */
function sameGraph(a: Snapshot, b: Snapshot): boolean {
  if (a.edges !== b.edges && a.edges.length !== b.edges.length) return false;
  if (a.nodes.length !== b.nodes.length) return false;
  for (let i = 0; i < a.nodes.length; i += 1) {
    const x = a.nodes[i] as SluiceNode;
    const y = b.nodes[i] as SluiceNode;
    if (x === y) continue;
    if (x.id !== y.id || x.position.x !== y.position.x || x.position.y !== y.position.y) return false;
    if (x.data.params !== y.data.params || x.data.extra !== y.data.extra || x.data.type !== y.data.type) return false;
  }
  if (a.edges === b.edges) return true;
  return a.edges.every((edge, i) => edge.id === b.edges[i]?.id);
}

export function EditorPage() {
  const { id } = useParams();
  const { types, error: typesError } = useNodeTypes();
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const workflowId = Number(id);

  useEffect(() => {
    let live = true;
    setWorkflow(null);
    api
      .workflow(workflowId)
      .then((w) => live && setWorkflow(w))
      .catch((err) => live && setLoadError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [workflowId]);

  if (loadError || typesError) {
    return (
      <main id="main" className="page">
        <p className="notice notice--error" role="alert">
          Could not open the workflow: {loadError ?? typesError}
        </p>
        <Link to="/workflows">Back to workflows</Link>
      </main>
    );
  }
  if (!workflow || !types) {
    return (
      <main id="main" className="page">
        <p className="muted" role="status">
          Loading the workflow…
        </p>
      </main>
    );
  }
  return (
    <NodeTypesContext.Provider value={types}>
      <ReactFlowProvider>
        <Editor key={`${workflow.id}`} initial={workflow} types={types} />
      </ReactFlowProvider>
    </NodeTypesContext.Provider>
  );
}

interface EditorProps {
  initial: Workflow;
  types: ReadonlyMap<string, NodeTypeInfo>;
}

function Editor({ initial, types }: EditorProps) {
  const navigate = useNavigate();
  const flow = useReactFlow<SluiceNode, SluiceEdge>();
  const [workflow, setWorkflow] = useState(initial);
  const [name, setName] = useState(initial.name);
  const [nodes, setNodes] = useState<SluiceNode[]>(() => toFlow(initial.graph).nodes);
  const [edges, setEdges] = useState<SluiceEdge[]>(() => toFlow(initial.graph).edges);
  const [history, setHistory] = useState<History<Snapshot>>(() => startHistory({ nodes, edges }));
  const [saved, setSaved] = useState<Snapshot>(history.present);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<Workflow | null>(null);
  const [runOpen, setRunOpen] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const live = useRunEvents(runId);
  const clipboard = useRef<{ nodes: SluiceNode[]; edges: SluiceEdge[] } | null>(null);
  const lastEdit = useRef<{ key: string; at: number } | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const leaving = useRef(false);
  const [miniMap, setMiniMap] = useState<boolean | null>(null);
  const [panel, setPanel] = useState<'node' | 'history'>('node');
  const [diff, setDiff] = useState<GraphDiff | null>(null);
  const [sharing, setSharing] = useState(false);
  // What the user may do here. Without `change` the canvas, palette and inspector are read-only.
  const abilities = useMemo(() => workflowAbilities(workflow), [workflow.permissions]);
  const readOnly = abilities.readOnly;
  const readOnlyRef = useRef(readOnly);
  readOnlyRef.current = readOnly;

  const dirty = !sameGraph(history.present, saved) || name !== workflow.name;

  // --- history -----------------------------------------------------------------------
  // The latest nodes and edges for stable callbacks (no callback changes per drag frame).
  const nodesRef = useRef(nodes);
  const edgesRef = useRef(edges);
  nodesRef.current = nodes;
  edgesRef.current = edges;

  const workflowPermissions = useRef(workflow.permissions);
  workflowPermissions.current = workflow.permissions;

  const commit = useCallback((next: Snapshot, coalesceKey?: string) => {
    // The refs move at once: React Flow may call two handlers in one tick (a node and its edges removed).
    nodesRef.current = next.nodes;
    edgesRef.current = next.edges;
    setNodes(next.nodes);
    setEdges(next.edges);
    setHistory((h) => {
      const now = Date.now();
      const previous = lastEdit.current;
      lastEdit.current = coalesceKey ? { key: coalesceKey, at: now } : null;
      if (coalesceKey && previous?.key === coalesceKey && now - previous.at < 1500 && h.past.length > 0) {
        return { ...h, present: next }; // typing into one field is one step
      }
      return record(h, next, sameGraph);
    });
  }, []);

  const restore = useCallback((snapshot: Snapshot) => {
    nodesRef.current = snapshot.nodes;
    edgesRef.current = snapshot.edges;
    setNodes(snapshot.nodes);
    setEdges(snapshot.edges);
  }, []);

  const doUndo = useCallback(() => {
    setHistory((h) => {
      const next = undo(h);
      restore(next.present);
      return next;
    });
  }, [restore]);
  const doRedo = useCallback(() => {
    setHistory((h) => {
      const next = redo(h);
      restore(next.present);
      return next;
    });
  }, [restore]);

  // --- React Flow callbacks (stable) --------------------------------------------------
  const onNodesChange = useCallback(
    (all: NodeChange<SluiceNode>[]) => {
      // Read-only: selecting (to inspect) and React Flow's measuring, nothing that edits.
      const changes = readOnlyRef.current ? all.filter((c) => c.type === 'select' || c.type === 'dimensions') : all;
      if (changes.length === 0 && all.length > 0) return; // everything dropped: nothing to do
      const next = applyNodeChanges(changes, nodesRef.current);
      const removed = changes.some((c) => c.type === 'remove');
      if (removed) {
        const ids = new Set(next.map((n) => n.id));
        const keptEdges = edgesRef.current.filter((e) => ids.has(e.source) && ids.has(e.target));
        commit({ nodes: next, edges: keptEdges });
      } else {
        nodesRef.current = next;
        setNodes(next);
      }
    },
    [commit],
  );
  const onEdgesChange = useCallback(
    (all: EdgeChange<SluiceEdge>[]) => {
      const changes = readOnlyRef.current ? all.filter((c) => c.type === 'select') : all;
      if (changes.length === 0 && all.length > 0) return; // everything dropped: nothing to do
      const next = applyEdgeChanges(changes, edgesRef.current);
      if (changes.some((c) => c.type === 'remove')) commit({ nodes: nodesRef.current, edges: next });
      else {
        edgesRef.current = next;
        setEdges(next);
      }
    },
    [commit],
  );
  const onNodeDragStop = useCallback(() => {
    if (readOnlyRef.current) return;
    commit({ nodes: nodesRef.current, edges: edgesRef.current });
  }, [commit]);

  const isValidConnection = useCallback(
    (connection: SluiceEdge | Connection) =>
      !readOnlyRef.current && checkConnection(connection, nodesRef.current, edgesRef.current, types).ok,
    [types],
  );
  const onConnect = useCallback(
    (connection: Connection) => {
      if (readOnlyRef.current) return;
      const check = checkConnection(connection, nodesRef.current, edgesRef.current, types);
      if (!check.ok) {
        setMessage({ kind: 'error', text: check.reason ?? 'That connection is not allowed' });
        return;
      }
      const sourcePort = connection.sourceHandle ?? 'out';
      const targetPort = connection.targetHandle ?? 'in';
      const edge: SluiceEdge = {
        id: edgeId({ source: connection.source, target: connection.target, source_port: sourcePort, target_port: targetPort }),
        source: connection.source,
        target: connection.target,
        sourceHandle: sourcePort,
        targetHandle: targetPort,
        data: { explicitSource: sourcePort !== 'out', explicitTarget: false, extra: {} },
      };
      commit({ nodes: nodesRef.current, edges: [...edgesRef.current, edge] });
    },
    [commit, types],
  );

  const addNode = useCallback(
    (type: string, position?: { x: number; y: number }) => {
      const info = types.get(type);
      if (!info || readOnlyRef.current) return;
      const taken = new Set(nodesRef.current.map((n) => n.id));
      const id = newNodeId(type, taken);
      let at = position;
      if (!at) {
        const box = wrapper.current?.getBoundingClientRect();
        at = flow.screenToFlowPosition({
          x: (box?.left ?? 0) + (box?.width ?? 800) / 2,
          y: (box?.top ?? 0) + (box?.height ?? 600) / 2,
        });
      }
      const node: SluiceNode = {
        id,
        type: 'sluice',
        position: at,
        selected: true,
        data: { type, params: defaultParams(info), extra: {}, problems: [] },
      };
      const others = nodesRef.current.map((n) => (n.selected ? { ...n, selected: false } : n));
      commit({ nodes: [...others, node], edges: edgesRef.current });
    },
    [commit, flow, types],
  );

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      const type = event.dataTransfer.getData(DRAG_TYPE);
      if (!type || readOnlyRef.current) return;
      event.preventDefault();
      addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [addNode, flow],
  );
  const onDragOver = useCallback((event: React.DragEvent) => {
    if (!readOnlyRef.current && event.dataTransfer.types.includes(DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
    }
  }, []);

  // --- inspector edits ----------------------------------------------------------------
  const updateNode = useCallback(
    (nodeId: string, patch: (n: SluiceNode) => SluiceNode, key: string) => {
      if (readOnlyRef.current) return;
      commit(
        { nodes: nodesRef.current.map((n) => (n.id === nodeId ? patch(n) : n)), edges: edgesRef.current },
        key,
      );
    },
    [commit],
  );
  const onParams = useCallback(
    (nodeId: string, params: Record<string, unknown>) =>
      updateNode(nodeId, (n) => ({ ...n, data: { ...n.data, params } }), `params:${nodeId}`),
    [updateNode],
  );
  const onSettings = useCallback(
    (nodeId: string, settings: Record<string, unknown>) =>
      updateNode(
        nodeId,
        (n) => {
          const extra = { ...n.data.extra };
          if (Object.keys(settings).length) extra.settings = settings;
          else delete extra.settings;
          return { ...n, data: { ...n.data, extra } };
        },
        `settings:${nodeId}`,
      ),
    [updateNode],
  );
  const onRename = useCallback(
    (oldId: string, next: string): string | null => {
      if (next === oldId || readOnlyRef.current) return null;
      if (!/^[A-Za-z0-9_-]+$/.test(next)) return 'Use letters, digits, _ and - only';
      if (nodesRef.current.some((n) => n.id === next)) return `There is already a node ${next}`;
      const renamedNodes = nodesRef.current.map((n) => (n.id === oldId ? { ...n, id: next } : n));
      const renamedEdges = edgesRef.current.map((e) => {
        const source = e.source === oldId ? next : e.source;
        const target = e.target === oldId ? next : e.target;
        return { ...e, source, target, id: edgeId({ source, target, source_port: e.sourceHandle ?? undefined, target_port: e.targetHandle ?? undefined }) };
      });
      commit({ nodes: renamedNodes, edges: renamedEdges });
      return null;
    },
    [commit],
  );

  // --- validation (live, debounced) and saving ----------------------------------------
  const graph = useCallback(() => fromFlow(nodesRef.current, edgesRef.current, workflow.graph), [workflow.graph]);

  const showProblems = useCallback((list: Problem[]) => {
    setProblems(list);
    setNodes((current) => markProblems(current, list));
  }, []);

  useEffect(() => {
    if (readOnly) return undefined; // nothing here can be fixed by this user
    const timer = window.setTimeout(() => {
      api
        .validate(graph())
        .then((result) => showProblems(result.errors))
        .catch(() => undefined);
    }, 600);
    return () => window.clearTimeout(timer);
  }, [history.present, graph, showProblems, readOnly]);

  const save = useCallback(async (): Promise<Workflow | null> => {
    if (readOnlyRef.current) return null;
    setSaving(true);
    setMessage(null);
    try {
      const updated = keepPermissions(
        await api.saveWorkflow(workflow.id, { revision: workflow.revision, graph: graph(), name }),
        workflow,
      );
      setWorkflow(updated);
      setSaved(history.present);
      showProblems([]);
      setMessage({ kind: 'ok', text: `Saved as revision ${updated.revision}` });
      return updated;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setConflict(await api.workflow(workflow.id));
      } else {
        const list = problemsOf(err);
        if (list.length) showProblems(list);
        setMessage({ kind: 'error', text: list.length ? `Not saved: ${errorMessage(err)}` : errorMessage(err) });
      }
      return null;
    } finally {
      setSaving(false);
    }
  }, [workflow, graph, name, history.present, showProblems]);

  const reloadTheirs = useCallback(
    (fetched: Workflow) => {
      const theirs = keepPermissions(fetched, { permissions: workflowPermissions.current });
      const next = toFlow(theirs.graph);
      // Keep React Flow's measurements of nodes that stay, or they would wait hidden for a resize.
      const measured = new Map(nodesRef.current.map((n) => [n.id, n.measured]));
      const nodes = next.nodes.map((n) => (measured.get(n.id) ? { ...n, measured: measured.get(n.id) } : n));
      const snapshot = { nodes, edges: next.edges };
      setWorkflow(theirs);
      setName(theirs.name);
      setNodes(snapshot.nodes);
      setEdges(snapshot.edges);
      const fresh = startHistory(snapshot);
      setHistory(fresh);
      setSaved(fresh.present);
      setConflict(null);
      setMessage({ kind: 'ok', text: `Loaded revision ${theirs.revision}` });
    },
    [],
  );

  const keepMineAsCopy = useCallback(async () => {
    try {
      const copy = await api.createWorkflow({ name: `${name} (my copy)`, description: workflow.description, graph: graph() });
      setConflict(null);
      leaving.current = true; // my changes live on in the copy
      navigate(`/workflows/${copy.id}`);
    } catch (err) {
      setMessage({ kind: 'error', text: errorMessage(err) });
    }
  }, [name, workflow.description, graph, navigate]);

  const layout = useCallback(async () => {
    const laid = await autoLayout(nodesRef.current, edgesRef.current);
    commit({ nodes: laid, edges: edgesRef.current });
    requestAnimationFrame(() => flow.fitView({ ...FIT_VIEW, duration: 200 }));
  }, [commit, flow]);

  // --- runs ---------------------------------------------------------------------------
  const startRun = useCallback(
    async (input: unknown) => {
      if (dirty) {
        const savedNow = await save();
        if (!savedNow) return;
      }
      try {
        const started = await api.startRun(workflow.id, input);
        setRun(null);
        setRunId(started.id);
        setRunOpen(false);
      } catch (err) {
        setMessage({ kind: 'error', text: errorMessage(err) });
      }
    },
    [dirty, save, workflow.id],
  );

  // Colour the nodes from the live events; fetch the full run (steps' data) when it ends.
  useEffect(() => {
    if (!runId) return;
    setNodes((current) =>
      current.map((n) => {
        const status = live.steps[n.id]?.status;
        return status === n.data.status ? n : { ...n, data: { ...n.data, status } };
      }),
    );
    if (isTerminal(live.status)) api.run(runId).then(setRun).catch(() => undefined);
  }, [live, runId]);

  const clearRun = useCallback(() => {
    setRunId(null);
    setRun(null);
    setNodes((current) => current.map((n) => (n.data.status ? { ...n, data: { ...n.data, status: undefined } } : n)));
  }, []);

  const showDiff = useCallback((next: GraphDiff | null) => {
    setDiff(next);
    setNodes((current) => markDiff(current, next));
  }, []);

  const rolledBack = useCallback(
    (updated: Workflow) => {
      reloadTheirs(updated);
      setMessage({ kind: 'ok', text: `Rolled back: now revision ${updated.revision}` });
    },
    [reloadTheirs],
  );

  // --- keyboard -----------------------------------------------------------------------
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.key.toLowerCase() === 's') {
        event.preventDefault();
        void save();
        return;
      }
      if (typing || !mod) return;
      const key = event.key.toLowerCase();
      if (readOnlyRef.current && key !== 'c' && key !== 'a') return; // copying and selecting do not edit
      if (key === 'z' && !event.shiftKey) doUndo();
      else if ((key === 'z' && event.shiftKey) || key === 'y') doRedo();
      else if (key === 'c') {
        const picked = nodesRef.current.filter((n) => n.selected);
        const ids = new Set(picked.map((n) => n.id));
        clipboard.current = {
          nodes: picked,
          edges: edgesRef.current.filter((e) => ids.has(e.source) && ids.has(e.target)),
        };
      } else if (key === 'v' && clipboard.current) {
        const pasted = pasteClipboard(clipboard.current, new Set(nodesRef.current.map((n) => n.id)));
        const others = nodesRef.current.map((n) => (n.selected ? { ...n, selected: false } : n));
        commit({ nodes: [...others, ...pasted.nodes], edges: [...edgesRef.current, ...pasted.edges] });
      } else if (key === 'a') {
        setNodes((current) => current.map((n) => ({ ...n, selected: true })));
      } else return;
      event.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [commit, doRedo, doUndo, save]);

  // --- leaving with unsaved changes ---------------------------------------------------
  useEffect(() => {
    if (!dirty) return undefined;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      !leaving.current && dirty && currentLocation.pathname !== nextLocation.pathname,
  );

  // --- derived ------------------------------------------------------------------------
  const selected = useMemo(() => nodes.filter((n) => n.selected), [nodes]);
  const single = selected.length === 1 ? selected[0] : undefined;
  const singleId = single?.id;
  const suggestions = useMemo(
    () =>
      singleId
        ? templateSuggestions(singleId, nodesRef.current, edgesRef.current, {
            input: run?.input,
            outputs: Object.fromEntries((run?.steps ?? []).map((s) => [s.node_id, s.output])),
          })
        : [],
    // Recomputed when the selection or the graph's shape changes, not on every drag frame.
    [singleId, history.present, run],
  );
  const graphProblems = problemsByNode(problems).get('') ?? [];
  // A minimap of a very large graph costs more per frame than it helps; it can be turned on.
  const showMiniMap = miniMap ?? nodes.length <= MINIMAP_LIMIT;
  const step = single && run ? (run.steps.find((s) => s.node_id === single.id) ?? null) : null;
  const trigger = nodes.find((n) => types.get(n.data.type)?.trigger);

  return (
    <main id="main" className="editor" tabIndex={-1}>
      <div className="editor__toolbar" role="toolbar" aria-label="Workflow">
        <Link to="/workflows" className="editor__back">
          ← Workflows
        </Link>
        <label className="sr-only" htmlFor="workflow-name">
          Workflow name
        </label>
        <input
          id="workflow-name"
          className="editor__name"
          value={name}
          readOnly={readOnly}
          onChange={(e) => setName(e.target.value)}
        />
        <span className="muted editor__revision" data-testid="revision">
          revision {workflow.revision}
          {dirty ? ' · unsaved changes' : ''}
        </span>
        <span className="editor__spacer" />
        {!readOnly && (
          <>
            <button type="button" className="button button--secondary button--small" onClick={doUndo} disabled={!canUndo(history)} title="Undo (Ctrl+Z)">
              Undo
            </button>
            <button type="button" className="button button--secondary button--small" onClick={doRedo} disabled={!canRedo(history)} title="Redo (Ctrl+Shift+Z)">
              Redo
            </button>
            <button type="button" className="button button--secondary button--small" onClick={() => void layout()}>
              Tidy up
            </button>
          </>
        )}
        <button
          type="button"
          className="button button--secondary button--small"
          aria-pressed={showMiniMap}
          onClick={() => setMiniMap(!showMiniMap)}
        >
          Minimap
        </button>
        <button type="button" className="button button--secondary button--small" onClick={() => flow.fitView({ ...FIT_VIEW, duration: 200 })}>
          Fit view
        </button>
        {abilities.share && (
          <button type="button" className="button button--secondary button--small" onClick={() => setSharing(true)}>
            Share…
          </button>
        )}
        {abilities.change && (
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => void save()}
            aria-disabled={saving}
            disabled={saving}
            title="Save (Ctrl+S)"
          >
            {saving ? 'Saving…' : 'Save'}
          </button>
        )}
        {abilities.run && (
          <button type="button" className="button button--primary button--small" onClick={() => setRunOpen(true)}>
            Run
          </button>
        )}
      </div>
      {readOnly && (
        <p className="view-only view-only--bar" role="note" data-testid="view-only">
          View only — you can't change this workflow.
          {abilities.run ? ' You may run it.' : ''}
        </p>
      )}
      <div className="editor__messages" aria-live="polite">
        {message && (
          <p className={`editor__message editor__message--${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>
            {message.text}
          </p>
        )}
        {problems.length > 0 && (
          <p className="editor__message editor__message--warn" data-testid="problem-count">
            {problems.length} problem{problems.length === 1 ? '' : 's'} to fix before this can be saved
            {graphProblems.length > 0 && `: ${graphProblems.map((p) => p.message).join('; ')}`}
          </p>
        )}
        {runId && (
          <p className="editor__message editor__message--run" role="status" data-testid="run-status">
            Run <StatusPill status={live.status} />{' '}
            <Link to={`/runs/${runId}`}>open the run</Link>{' '}
            <button type="button" className="button button--secondary button--small" onClick={clearRun}>
              Clear
            </button>
          </p>
        )}
      </div>
      <div className="editor__body">
        <Palette types={types} onAdd={addNode} readOnly={readOnly} />
        <div className="editor__canvas" ref={wrapper} onDrop={onDrop} onDragOver={onDragOver} data-testid="canvas">
          <ReactFlow<SluiceNode, SluiceEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onNodeDragStop={onNodeDragStop}
            isValidConnection={isValidConnection}
            deleteKeyCode={readOnly ? null : DELETE_KEYS}
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            edgesReconnectable={!readOnly}
            multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
            onlyRenderVisibleElements
            fitView
            fitViewOptions={FIT_VIEW}
            minZoom={0.05}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            {showMiniMap && <MiniMap pannable zoomable ariaLabel="Mini map" />}
            {/* Its lock toggles dragging and connecting: nothing to toggle on a read-only canvas. */}
            <Controls showInteractive={!readOnly} />
          </ReactFlow>
        </div>
        <div className="editor__side">
          <div className="tabs" role="tablist" aria-label="Side panel">
            <button type="button" role="tab" aria-selected={panel === 'node'} className="tabs__tab" onClick={() => setPanel('node')}>
              Node
            </button>
            <button type="button" role="tab" aria-selected={panel === 'history'} className="tabs__tab" onClick={() => setPanel('history')}>
              History
            </button>
          </div>
        {panel === 'history' ? (
          <aside className="inspector" aria-label="Versions">
            <HistoryPanel
              workflow={workflow}
              diff={diff}
              onDiff={showDiff}
              onRolledBack={rolledBack}
              dirty={dirty}
              canRollback={abilities.rollback}
              canPublish={abilities.publish}
              canRun={abilities.run}
            />
          </aside>
        ) : single ? (
          <Inspector
            nodeId={single.id}
            data={single.data}
            info={types.get(single.data.type)}
            suggestions={suggestions}
            onParams={onParams}
            onSettings={onSettings}
            onRename={onRename}
            step={step}
            readOnly={readOnly}
          />
        ) : (
          <aside className="inspector inspector--empty" aria-label="Inspector">
            <p className="muted">
              {readOnly
                ? selected.length > 1
                  ? `${selected.length} nodes selected.`
                  : 'Select a node to see its parameters.'
                : selected.length > 1
                  ? `${selected.length} nodes selected. Delete removes them; Ctrl+C copies them.`
                  : 'Select a node to edit its parameters. Drag from a node’s right edge to another node’s left edge to connect them.'}
            </p>
          </aside>
        )}
        </div>
      </div>
      {abilities.run && (
        <RunDialog
          open={runOpen}
          onClose={() => setRunOpen(false)}
          onRun={startRun}
          inputSchema={trigger?.data.params.input_schema as Record<string, unknown> | undefined}
          needsSave={dirty}
        />
      )}
      {abilities.share && (
        <ShareDialog
          target={sharing ? { kind: 'workflow', id: workflow.id } : null}
          objectName={workflow.name}
          onClose={() => setSharing(false)}
        />
      )}
      <Dialog
        open={conflict !== null}
        title="Someone else saved this workflow"
        onClose={() => setConflict(null)}
        footer={
          conflict && (
            <>
              <button type="button" className="button button--secondary" onClick={() => reloadTheirs(conflict)}>
                Load theirs (drop my changes)
              </button>
              <button type="button" className="button button--primary" onClick={() => void keepMineAsCopy()}>
                Keep mine as a copy
              </button>
              <button type="button" className="button button--secondary" onClick={() => setConflict(null)}>
                Cancel
              </button>
            </>
          )
        }
      >
        {conflict && <ConflictSummary mine={graph()} theirs={conflict} base={workflow.revision} />}
      </Dialog>
      <Dialog
        open={blocker.state === 'blocked'}
        title="Leave without saving?"
        onClose={() => blocker.reset?.()}
        footer={
          <>
            <button type="button" className="button button--secondary" onClick={() => blocker.reset?.()}>
              Stay
            </button>
            <button type="button" className="button button--primary" onClick={() => blocker.proceed?.()}>
              Leave and lose changes
            </button>
          </>
        }
      >
        <p>This workflow has changes that are not saved.</p>
      </Dialog>
    </main>
  );
}

function ConflictSummary({ mine, theirs, base }: { mine: ReturnType<typeof fromFlow>; theirs: Workflow; base: number }) {
  const mineIds = new Set(mine.nodes.map((n) => n.id));
  const theirIds = new Set(theirs.graph.nodes.map((n) => n.id));
  const onlyMine = [...mineIds].filter((n) => !theirIds.has(n));
  const onlyTheirs = [...theirIds].filter((n) => !mineIds.has(n));
  return (
    <div className="conflict">
      <p>
        You started from revision {base}; it is now at revision <strong>{theirs.revision}</strong>
        {theirs.updated_at ? ` (saved ${new Date(theirs.updated_at).toLocaleString()})` : ''}. Your changes were not saved.
      </p>
      <dl className="facts">
        <dt>Their nodes</dt>
        <dd>{theirs.graph.nodes.length}</dd>
        <dt>Your nodes</dt>
        <dd>{mine.nodes.length}</dd>
        <dt>Only in theirs</dt>
        <dd>{onlyTheirs.join(', ') || '—'}</dd>
        <dt>Only in yours</dt>
        <dd>{onlyMine.join(', ') || '—'}</dd>
      </dl>
      <p>
        <a href={`/workflows/${theirs.id}`} target="_blank" rel="noreferrer">
          See theirs in a new tab
        </a>{' '}
        — your changes stay here until you choose.
      </p>
    </div>
  );
}
