import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LiveEventsView, liveMessage } from './LiveEventsPanel';

describe('liveMessage', () => {
  it('describes each state', () => {
    expect(liveMessage({ kind: 'idle' })).toBe('Not run yet.');
    expect(liveMessage({ kind: 'running', phase: 'connecting' })).toBe('Connecting to /ws/events/…');
    expect(liveMessage({ kind: 'done', outcome: { ok: true, id: 'x', worker: 'celery@w1', roundTripMs: 84 } })).toBe(
      'Event from worker celery@w1 arrived in 84 ms',
    );
    expect(liveMessage({ kind: 'done', outcome: { ok: false, error: 'no event within 10 s' } })).toBe(
      'Live check failed: no event within 10 s',
    );
  });
});

describe('LiveEventsView', () => {
  it('has a real, labelled button and a polite live region', () => {
    const html = renderToStaticMarkup(<LiveEventsView state={{ kind: 'idle' }} onTest={() => {}} />);
    expect(html).toMatch(/<button type="button"[^>]*aria-disabled="false"[^>]*>Test live events<\/button>/);
    expect(html).toMatch(/<p id="live-result"[^>]*role="status" aria-live="polite">Not run yet\.<\/p>/);
  });

  it('marks the button disabled while running and styles the result by outcome', () => {
    const running = renderToStaticMarkup(<LiveEventsView state={{ kind: 'running', phase: 'waiting' }} onTest={() => {}} />);
    expect(running).toContain('aria-disabled="true"');

    const failed = renderToStaticMarkup(
      <LiveEventsView state={{ kind: 'done', outcome: { ok: false, error: 'WebSocket closed: code 1006' } }} onTest={() => {}} />,
    );
    expect(failed).toContain('live__result--fail');
    expect(failed).toContain('Live check failed: WebSocket closed: code 1006');
  });
});
