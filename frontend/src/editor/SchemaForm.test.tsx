import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SchemaForm, fromText, toText } from './SchemaForm';

describe('JSON fields', () => {
  it('reads JSON, keeps plain text and templates as strings, and refuses broken objects', () => {
    expect(fromText('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(fromText('hello')).toEqual({ ok: true, value: 'hello' });
    expect(fromText('{{ input.x }}')).toEqual({ ok: true, value: '{{ input.x }}' });
    expect(fromText('{"a": ').ok).toBe(false);
    expect(fromText('  ')).toEqual({ ok: true, value: undefined });
    expect(toText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(toText('x')).toBe('x');
  });
});

describe('SchemaForm', () => {
  it('builds labelled fields from the schema and shows server problems on theirs', () => {
    const html = renderToStaticMarkup(
      <SchemaForm
        scope="params"
        nodeId="call"
        schema={{
          type: 'object',
          properties: {
            url: { type: 'string', title: 'URL' },
            method: { enum: ['GET', 'POST'], default: 'GET', title: 'Method' },
            timeout: { type: 'number', title: 'Timeout (s)', default: 30 },
            body: { title: 'Body' },
          },
          required: ['url'],
        }}
        values={{ url: '' }}
        onChange={() => undefined}
        problems={[{ node: 'call', field: 'params.url', message: 'is required', code: 'param' }]}
        suggestions={[]}
      />,
    );
    expect(html).toContain('<label class="field__label" for="params-call-url">URL');
    expect(html).toContain('(required)');
    expect(html).toMatch(/<select id="params-call-method"/);
    expect(html).toContain('Default (GET)');
    expect(html).toContain('placeholder="default: 30"');
    expect(html).toContain('<p class="field__error">is required</p>');
    expect(html).toMatch(/id="params-call-url"[^>]*aria-invalid="true"/);
    expect(html).toMatch(/<textarea[^>]*id="params-call-body"/);
  });
});
