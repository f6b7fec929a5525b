/**
 * The editor's plain logic, without React: the stored graph <-> React Flow's nodes and
 * edges, which connections are allowed, where validation problems belong, and what a
 * template field may read. Every function here is pure and covered by Vitest.
 */
import type { Edge, Node } from '@xyflow/react';
import type { Graph, GraphEdge, GraphNode, JsonSchema, NodeTypeInfo, Problem, StepStatus } from '../api/sluice';

export const DEFAULT_OUT = 'out';
export const DEFAULT_IN = 'in';

/** What a canvas node carries: the stored node minus its position, plus display state. */
export interface SluiceNodeData extends Record<string, unknown> {
  type: string;
  params: Record<string, unknown>;
  /** Keys of the stored node other than id/type/position/params (e.g. settings). */
  extra: Record<string, unknown>;
  problems: Problem[];
  status?: StepStatus;
  /** In a version comparison: whether the node was added or changed since the older version. */
  diff?: 'added' | 'changed';
}

export type SluiceNode = Node<SluiceNodeData, 'sluice'>;
export type SluiceEdge = Edge;

const NODE_KEYS = new Set(['id', 'type', 'position', 'params']);
const EDGE_KEYS = new Set(['source', 'target', 'source_port', 'target_port']);

export function edgeId(edge: { source: string; target: string; source_port?: string; target_port?: string }): string {
  return `${edge.source}:${edge.source_port ?? DEFAULT_OUT}->${edge.target}:${edge.target_port ?? DEFAULT_IN}`;
}

/** The stored graph as React Flow nodes and edges (ports become handles). */
export function toFlow(graph: Graph): { nodes: SluiceNode[]; edges: SluiceEdge[] } {
  const nodes = (graph.nodes ?? []).map((node): SluiceNode => {
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) if (!NODE_KEYS.has(key)) extra[key] = value;
    return {
      id: node.id,
      type: 'sluice',
      position: { x: Number(node.position?.x ?? 0), y: Number(node.position?.y ?? 0) },
      data: { type: node.type, params: node.params ?? {}, extra, problems: [] },
    };
  });
  const edges = (graph.edges ?? []).map((edge): SluiceEdge => {
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(edge)) if (!EDGE_KEYS.has(key)) extra[key] = value;
    return {
      id: edgeId(edge),
      source: edge.source,
      target: edge.target,
      sourceHandle: edge.source_port ?? DEFAULT_OUT,
      targetHandle: edge.target_port ?? DEFAULT_IN,
      data: { explicitSource: 'source_port' in edge, explicitTarget: 'target_port' in edge, extra },
    };
  });
  return { nodes, edges };
}

/** React Flow's state back to the stored graph: the same shape, so a round trip is identical. */
export function fromFlow(nodes: SluiceNode[], edges: SluiceEdge[], base: Partial<Graph> = {}): Graph {
  const graphNodes = nodes.map(
    (node): GraphNode => ({
      id: node.id,
      type: node.data.type,
      position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
      params: node.data.params,
      ...node.data.extra,
    }),
  );
  const graphEdges = edges.map((edge): GraphEdge => {
    const data = (edge.data ?? {}) as { explicitSource?: boolean; explicitTarget?: boolean; extra?: object };
    const sourcePort = edge.sourceHandle ?? DEFAULT_OUT;
    const targetPort = edge.targetHandle ?? DEFAULT_IN;
    // Keys in the stored order: source, source_port, target, target_port.
    const out: Record<string, unknown> = { source: edge.source };
    if (data.explicitSource || sourcePort !== DEFAULT_OUT) out.source_port = sourcePort;
    out.target = edge.target;
    if (data.explicitTarget || targetPort !== DEFAULT_IN) out.target_port = targetPort;
    return { ...out, ...(data.extra ?? {}) } as GraphEdge;
  });
  const { nodes: _n, edges: _e, ...rest } = base as Graph;
  return { ...rest, nodes: graphNodes, edges: graphEdges };
}

/** The output ports a node has with these params (a switch has one per case, plus default). */
export function outputPorts(info: NodeTypeInfo | undefined, params: Record<string, unknown>): string[] {
  if (!info) return [DEFAULT_OUT];
  if (info.type === 'switch') {
    const cases = Array.isArray(params.cases) ? params.cases : [];
    const ports = cases
      .map((c) => (c && typeof c === 'object' ? String((c as { port?: unknown }).port ?? '') : ''))
      .filter(Boolean);
    const fallback = typeof params.default === 'string' && params.default ? params.default : 'default';
    return [...new Set([...ports, fallback])];
  }
  return info.outputs;
}

/** Whether `target` can be reached from `source` by following edges (so an edge back would close a cycle). */
export function reaches(edges: readonly { source: string; target: string }[], source: string, target: string): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const seen = new Set<string>();
  const stack = [source];
  while (stack.length) {
    const current = stack.pop() as string;
    if (current === target) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    stack.push(...(next.get(current) ?? []));
  }
  return false;
}

export interface ConnectionCheck {
  ok: boolean;
  reason?: string;
}

/** Why a new edge would be refused: self loops, cycles, triggers as targets, duplicates, unknown ports. */
export function checkConnection(
  connection: { source: string | null; target: string | null; sourceHandle?: string | null; targetHandle?: string | null },
  nodes: readonly SluiceNode[],
  edges: readonly SluiceEdge[],
  types: ReadonlyMap<string, NodeTypeInfo>,
): ConnectionCheck {
  const { source, target } = connection;
  if (!source || !target) return { ok: false, reason: 'Pick a node on both ends' };
  if (source === target) return { ok: false, reason: 'A node cannot feed itself' };
  const sourceNode = nodes.find((n) => n.id === source);
  const targetNode = nodes.find((n) => n.id === target);
  if (!sourceNode || !targetNode) return { ok: false, reason: 'No such node' };
  const targetType = types.get(targetNode.data.type);
  if (targetType && targetType.inputs.length === 0) return { ok: false, reason: `${targetType.title} takes no input` };
  const sourcePort = connection.sourceHandle ?? DEFAULT_OUT;
  const ports = outputPorts(types.get(sourceNode.data.type), sourceNode.data.params);
  if (!ports.includes(sourcePort)) return { ok: false, reason: `No output port ${sourcePort}` };
  const targetPort = connection.targetHandle ?? DEFAULT_IN;
  const duplicate = edges.some(
    (e) =>
      e.source === source &&
      e.target === target &&
      (e.sourceHandle ?? DEFAULT_OUT) === sourcePort &&
      (e.targetHandle ?? DEFAULT_IN) === targetPort,
  );
  if (duplicate) return { ok: false, reason: 'Already connected' };
  if (reaches(edges, target, source)) return { ok: false, reason: 'That would make a cycle' };
  return { ok: true };
}

/** Problems by node id; graph-wide ones (node null) under ''. */
export function problemsByNode(problems: readonly Problem[]): Map<string, Problem[]> {
  const byNode = new Map<string, Problem[]>();
  for (const problem of problems) {
    const key = problem.node ?? '';
    byNode.set(key, [...(byNode.get(key) ?? []), problem]);
  }
  return byNode;
}

/** Each node with its problems (a node without any gets an empty list; unchanged nodes keep their identity). */
export function markProblems(nodes: SluiceNode[], problems: readonly Problem[]): SluiceNode[] {
  const byNode = problemsByNode(problems);
  return nodes.map((node) => {
    const mine = byNode.get(node.id) ?? [];
    if (mine.length === 0 && node.data.problems.length === 0) return node;
    return { ...node, data: { ...node.data, problems: mine } };
  });
}

/** Each node marked as added or changed by a version diff (null clears the marks). */
export function markDiff(
  nodes: SluiceNode[],
  diff: { nodes_added: { id: string }[]; nodes_changed: { id: string }[] } | null,
): SluiceNode[] {
  const added = new Set(diff?.nodes_added.map((n) => n.id) ?? []);
  const changed = new Set(diff?.nodes_changed.map((n) => n.id) ?? []);
  return nodes.map((node) => {
    const mark = added.has(node.id) ? 'added' : changed.has(node.id) ? 'changed' : undefined;
    return mark === node.data.diff ? node : { ...node, data: { ...node.data, diff: mark } };
  });
}

/** The problem of one param field (`params.url`, `params.cases[0].expression`…), matched by prefix. */
export function fieldProblems(problems: readonly Problem[], field: string): Problem[] {
  return problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`) || p.field.startsWith(`${field}[`));
}

/** Ids of every node upstream of `nodeId`. */
export function upstreamOf(edges: readonly { source: string; target: string }[], nodeId: string): string[] {
  const previous = new Map<string, string[]>();
  for (const edge of edges) previous.set(edge.target, [...(previous.get(edge.target) ?? []), edge.source]);
  const seen = new Set<string>();
  const stack = [...(previous.get(nodeId) ?? [])];
  while (stack.length) {
    const current = stack.pop() as string;
    if (seen.has(current)) continue;
    seen.add(current);
    stack.push(...(previous.get(current) ?? []));
  }
  return [...seen];
}

function keysOf(value: unknown, prefix: string, depth: number, out: string[]): void {
  if (!value || typeof value !== 'object' || Array.isArray(value) || depth > 2) return;
  for (const [key, inner] of Object.entries(value)) {
    const path = `${prefix}.${key}`;
    out.push(path);
    keysOf(inner, path, depth + 1, out);
  }
}

/** Names of the fields a node's output is known to have, from its params (a transform's value) or a past run. */
function knownOutputFields(node: SluiceNode, sample: unknown): string[] {
  const out: string[] = [];
  if (sample !== undefined) keysOf(sample, '', 0, out);
  else if (node.data.type === 'transform') keysOf(node.data.params.value, '', 0, out);
  else if (node.data.type === 'http.request') out.push('.status', '.headers', '.body');
  return out.map((path) => path.slice(1));
}

/**
 * What a template in `nodeId`'s params may read: `input.*` (from the trigger's schema or
 * the last run's input) and `nodes.<id>.output.*` of the nodes upstream.
 */
export function templateSuggestions(
  nodeId: string,
  nodes: readonly SluiceNode[],
  edges: readonly SluiceEdge[],
  samples: { input?: unknown; outputs?: Record<string, unknown> } = {},
): string[] {
  const suggestions = ['input'];
  const inputFields: string[] = [];
  const trigger = nodes.find((n) => n.data.type.startsWith('trigger.'));
  const schema = trigger?.data.params.input_schema as JsonSchema | undefined;
  if (schema?.properties) for (const key of Object.keys(schema.properties)) inputFields.push(`.${key}`);
  if (trigger?.data.type === 'trigger.webhook') inputFields.push('.body', '.query', '.headers', '.method');
  keysOf(samples.input, '', 0, inputFields);
  for (const field of new Set(inputFields)) suggestions.push(`input${field}`);
  const upstream = new Set(upstreamOf(edges, nodeId));
  for (const node of nodes) {
    if (!upstream.has(node.id)) continue;
    suggestions.push(`nodes.${node.id}.output`);
    for (const field of knownOutputFields(node, samples.outputs?.[node.id])) {
      suggestions.push(`nodes.${node.id}.output.${field}`);
    }
  }
  return [...new Set(suggestions)];
}

/** The expression being typed at `caret` inside `{{ … }}`, or null when the caret is outside one. */
export function openExpression(text: string, caret: number): { start: number; prefix: string } | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf('{{');
  if (open < 0 || before.lastIndexOf('}}') > open) return null;
  const inner = before.slice(open + 2);
  const match = /[A-Za-z0-9_.]*$/.exec(inner);
  const prefix = match ? match[0] : '';
  return { start: caret - prefix.length, prefix };
}

/** A fresh node id for a type: `transform`, `transform_2`, … */
export function newNodeId(type: string, taken: ReadonlySet<string>): string {
  const base = (type.split('.').pop() ?? 'node').replace(/[^A-Za-z0-9_]/g, '_');
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}

/** Default params from a type's schema: required fields with defaults, and empty required strings. */
export function defaultParams(info: NodeTypeInfo): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const schema = info.params_schema;
  for (const name of schema.required ?? []) {
    const field = schema.properties?.[name];
    if (field && 'default' in field) params[name] = field.default;
    else if (field?.type === 'string') params[name] = '';
  }
  return params;
}

/** Pasted nodes get new ids (and edges between them follow); positions shift so copies do not hide the originals. */
export function pasteClipboard(
  clip: { nodes: SluiceNode[]; edges: SluiceEdge[] },
  taken: ReadonlySet<string>,
  offset = 40,
): { nodes: SluiceNode[]; edges: SluiceEdge[] } {
  const names = new Set(taken);
  const renamed = new Map<string, string>();
  const nodes = clip.nodes.map((node) => {
    const id = newNodeId(node.id, names);
    names.add(id);
    renamed.set(node.id, id);
    return {
      ...node,
      id,
      selected: true,
      position: { x: node.position.x + offset, y: node.position.y + offset },
      data: { ...node.data, problems: [], status: undefined },
    };
  });
  const edges = clip.edges
    .filter((e) => renamed.has(e.source) && renamed.has(e.target))
    .map((e) => {
      const source = renamed.get(e.source) as string;
      const target = renamed.get(e.target) as string;
      return {
        ...e,
        source,
        target,
        id: edgeId({ source, target, source_port: e.sourceHandle ?? undefined, target_port: e.targetHandle ?? undefined }),
      };
    });
  return { nodes, edges };
}
