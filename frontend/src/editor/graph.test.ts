import { describe, expect, it } from 'vitest';
import type { Graph, NodeTypeInfo } from '../api/sluice';
import {
  checkConnection,
  fieldProblems,
  fromFlow,
  markDiff,
  markProblems,
  newNodeId,
  openExpression,
  pasteClipboard,
  templateSuggestions,
  toFlow,
} from './graph';

const info = (type: string, inputs: string[], outputs: string[]): NodeTypeInfo => ({
  type,
  title: type,
  category: 'Test',
  description: '',
  inputs,
  outputs,
  params_schema: { type: 'object', properties: {} },
  speed: 'quick',
  trigger: inputs.length === 0,
  settings_schema: {},
  settings_defaults: {},
});

const TYPES = new Map(
  [
    info('trigger.manual', [], ['out']),
    info('transform', ['in'], ['out']),
    info('condition', ['in'], ['true', 'false']),
    info('switch', ['in'], []),
    info('output', ['in'], []),
  ].map((t) => [t.type, t]),
);

const GRAPH: Graph = {
  nodes: [
    { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, params: {} },
    { id: 'score', type: 'transform', position: { x: 200, y: 0 }, params: { value: { confidence: 0.9, label: 'car' } } },
    { id: 'sure', type: 'condition', position: { x: 400, y: 0 }, params: { expression: 'nodes.score.output.confidence > 0.8' }, settings: { retries: 1 } },
    { id: 'done', type: 'output', position: { x: 600, y: 0 }, params: {} },
  ],
  edges: [
    { source: 'start', target: 'score' },
    { source: 'score', target: 'sure' },
    { source: 'sure', source_port: 'true', target: 'done' },
  ],
  meta: { kept: true },
};

describe('graph <-> React Flow', () => {
  it('round-trips exactly, extra keys and explicit ports included', () => {
    const flow = toFlow(GRAPH);
    expect(flow.nodes[2]?.data.extra).toEqual({ settings: { retries: 1 } });
    expect(flow.edges[2]?.sourceHandle).toBe('true');
    expect(JSON.stringify(fromFlow(flow.nodes, flow.edges, GRAPH))).toBe(
      JSON.stringify({ meta: { kept: true }, nodes: GRAPH.nodes, edges: GRAPH.edges }),
    );
  });

  it('writes a non-default port and rounds positions', () => {
    const flow = toFlow(GRAPH);
    const moved = flow.nodes.map((n) => (n.id === 'done' ? { ...n, position: { x: 10.6, y: 3.2 } } : n));
    const edges = flow.edges.map((e) => (e.target === 'done' ? { ...e, data: {} } : e));
    const graph = fromFlow(moved, edges);
    expect(graph.nodes[3]?.position).toEqual({ x: 11, y: 3 });
    expect(graph.edges[2]).toEqual({ source: 'sure', source_port: 'true', target: 'done' });
  });
});

describe('connections', () => {
  const { nodes, edges } = toFlow(GRAPH);
  const check = (source: string, target: string, sourceHandle = 'out') =>
    checkConnection({ source, target, sourceHandle, targetHandle: 'in' }, nodes, edges, TYPES);

  it('refuses loops, cycles, duplicates, triggers as targets and unknown ports', () => {
    expect(check('score', 'score').ok).toBe(false);
    expect(check('sure', 'score', 'false')).toEqual({ ok: false, reason: 'That would make a cycle' });
    expect(check('start', 'score')).toEqual({ ok: false, reason: 'Already connected' });
    expect(check('score', 'start').reason).toMatch(/takes no input/);
    expect(check('sure', 'done', 'maybe').reason).toBe('No output port maybe');
  });

  it('accepts a new branch', () => {
    expect(check('sure', 'done', 'false')).toEqual({ ok: true });
    expect(check('start', 'done')).toEqual({ ok: true });
  });

  it('knows a switch has one port per case plus default', () => {
    const withSwitch = toFlow({
      nodes: [...GRAPH.nodes, { id: 'route', type: 'switch', position: { x: 0, y: 0 }, params: { cases: [{ port: 'car' }] } }],
      edges: [],
    });
    const ok = (port: string) =>
      checkConnection({ source: 'route', target: 'done', sourceHandle: port }, withSwitch.nodes, [], TYPES).ok;
    expect([ok('car'), ok('default'), ok('boat')]).toEqual([true, true, false]);
  });
});

describe('validation marking', () => {
  it('puts each problem on its node and field and clears fixed ones', () => {
    const { nodes } = toFlow(GRAPH);
    const marked = markProblems(nodes, [
      { node: 'score', field: 'params.value', message: 'is required', code: 'param' },
      { node: null, field: 'nodes', message: 'a workflow needs a trigger', code: 'no_trigger' },
    ]);
    expect(marked.find((n) => n.id === 'score')?.data.problems).toHaveLength(1);
    expect(marked.find((n) => n.id === 'start')).toBe(nodes[0]); // untouched nodes keep their identity
    const cleared = markProblems(marked, []);
    expect(cleared.every((n) => n.data.problems.length === 0)).toBe(true);
    expect(
      fieldProblems([{ node: 's', field: 'params.cases[0].expression', message: 'x', code: 'template' }], 'params.cases'),
    ).toHaveLength(1);
    expect(fieldProblems([{ node: 's', field: 'params.casesx', message: 'x', code: 'p' }], 'params.cases')).toHaveLength(0);
  });
});

describe('template autocompletion', () => {
  it('offers the input and the outputs of upstream nodes only', () => {
    const { nodes, edges } = toFlow(GRAPH);
    const suggestions = templateSuggestions('sure', nodes, edges, { input: { claim: { text: 'x' } } });
    expect(suggestions).toContain('input.claim.text');
    expect(suggestions).toContain('nodes.score.output.confidence');
    expect(suggestions).not.toContain('nodes.done.output');
    expect(templateSuggestions('score', nodes, edges)).not.toContain('nodes.sure.output');
  });

  it('finds the expression being typed', () => {
    expect(openExpression('Hello {{ inp', 12)).toEqual({ start: 9, prefix: 'inp' });
    expect(openExpression('Hello {{ input.x }} there', 22)).toBeNull();
    expect(openExpression('no braces', 4)).toBeNull();
  });
});

describe('ids and paste', () => {
  it('names new nodes after their type without clashes', () => {
    expect(newNodeId('http.request', new Set())).toBe('request');
    expect(newNodeId('transform', new Set(['transform', 'transform_2']))).toBe('transform_3');
  });

  it('pastes copies with new ids, keeping the edges between them', () => {
    const { nodes, edges } = toFlow(GRAPH);
    const pasted = pasteClipboard({ nodes: nodes.slice(1, 3), edges: edges.slice(1, 2) }, new Set(nodes.map((n) => n.id)));
    expect(pasted.nodes.map((n) => n.id)).toEqual(['score_2', 'sure_2']);
    expect(pasted.edges).toHaveLength(1);
    expect(pasted.edges[0]).toMatchObject({ source: 'score_2', target: 'sure_2' });
    expect(pasted.nodes[0]?.position).toEqual({ x: 240, y: 40 });
  });
});

describe('version comparison marks', () => {
  it('marks added and changed nodes and clears them again', () => {
    const { nodes } = toFlow(GRAPH);
    const marked = markDiff(nodes, { nodes_added: [{ id: 'done' }], nodes_changed: [{ id: 'score' }] });
    expect(Object.fromEntries(marked.map((n) => [n.id, n.data.diff]))).toEqual({
      start: undefined,
      score: 'changed',
      sure: undefined,
      done: 'added',
    });
    expect(marked[0]).toBe(nodes[0]);
    expect(markDiff(marked, null).every((n) => n.data.diff === undefined)).toBe(true);
  });
});
