import { describe, expect, it } from 'vitest';
import type { Step, StepModelCall } from '../api/sluice';
import { callsNeedingTries } from './useCallTries';

const call = (id: number, failovers: number, tries?: StepModelCall['tries']): StepModelCall => ({
  id,
  profile: 'default',
  provider: 'openai',
  model: 'm',
  target: 0,
  attempts: failovers + 1,
  failovers,
  latency_ms: 1,
  ttft_ms: null,
  input_tokens: 1,
  output_tokens: 1,
  tokens_estimated: false,
  cost: null,
  status: 'ok',
  error: '',
  tries,
});

const step = (calls?: StepModelCall[]): Step => ({
  node_id: 'n',
  type: 'llm.prompt',
  status: 'succeeded',
  attempts: 1,
  params: {},
  input: null,
  output: null,
  ports: null,
  error: null,
  worker: '',
  started_at: null,
  finished_at: null,
  llm_calls: calls,
});

describe('callsNeedingTries', () => {
  it('asks for the tries of the calls that failed over and do not carry them', () => {
    expect(callsNeedingTries(undefined)).toEqual([]);
    expect(callsNeedingTries([step(), step([call(9, 1), call(3, 0)]), step([call(2, 2), call(4, 1, [])])])).toEqual([2, 9]);
  });
});
