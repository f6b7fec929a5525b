import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { StepModelCall } from '../api/sluice';
import { StepModelCalls } from './ModelCallView';

const call: StepModelCall = {
  id: 5,
  profile: 'default',
  provider: 'anthropic',
  model: 'secondary',
  target: 1,
  attempts: 2,
  failovers: 1,
  latency_ms: 41.7,
  ttft_ms: null,
  input_tokens: 8,
  output_tokens: 5,
  tokens_estimated: false,
  cost: null,
  status: 'ok',
  error: '',
};

describe('StepModelCalls', () => {
  it('shows the model, tokens, cost, latency, attempts and the tries of a call that failed over', () => {
    const tries = new Map([
      [
        5,
        [
          { target: 0, provider: 'openai', model: 'primary', status: 'error', error: 'HTTP 503', latency_ms: 3 },
          { target: 1, provider: 'anthropic', model: 'secondary', status: 'ok', latency_ms: 30 },
        ],
      ],
    ]);
    const html = renderToStaticMarkup(<StepModelCalls calls={[call]} tries={tries} />);
    expect(html).toContain('aria-label="Model calls"');
    expect(html).toContain('anthropic · secondary');
    expect(html).toContain('target 2');
    expect(html).toContain('8 in · 5 out');
    expect(html).toContain('no price for this model');
    expect(html).toContain('42 ms');
    expect(html).toContain('not streamed');
    expect(html).toContain('2 attempts, 1 failover');
    expect(html).toContain('target 1 (openai · primary): error — HTTP 503 (3 ms)');
    expect(html).toContain('target 2 (anthropic · secondary): ok (30 ms)');
  });

  it('lists no tries without a failover, and says where they are when nobody looked them up', () => {
    const plain = renderToStaticMarkup(<StepModelCalls calls={[{ ...call, failovers: 0, attempts: 1, tokens_estimated: true, cost: '0.00001000', ttft_ms: 120 }]} />);
    expect(plain).not.toContain('Tries');
    expect(plain).toContain('(estimated)');
    expect(plain).toContain('0.00001');
    expect(plain).toContain('120 ms');
    expect(renderToStaticMarkup(<StepModelCalls calls={[call]} />)).toContain('Each try is listed on the run page.');
    expect(renderToStaticMarkup(<StepModelCalls calls={[call]} tries={null} />)).toContain('Loading the tries…');
    expect(renderToStaticMarkup(<StepModelCalls calls={[]} />)).toBe('');
  });
});
