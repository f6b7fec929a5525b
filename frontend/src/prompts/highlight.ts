/** A prompt template split into plain text and `{{ … }}` expressions, each marked as using declared variables or not. */
export interface TemplatePart {
  kind: 'text' | 'expression';
  text: string;
  declared?: boolean;
}

const EXPRESSION = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const NAME = /^[\s({%]*(?:if|for\s+\w+\s+in|not)?\s*([A-Za-z_][A-Za-z0-9_]*)/;

export function templateParts(template: string, variables: readonly string[]): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(EXPRESSION)) {
    const start = match.index ?? 0;
    if (start > last) parts.push({ kind: 'text', text: template.slice(last, start) });
    const inner = match[0].slice(2, -2);
    const name = NAME.exec(inner)?.[1];
    const keywords = new Set(['endif', 'endfor', 'else', 'elif', 'true', 'false', 'null', 'range']);
    parts.push({ kind: 'expression', text: match[0], declared: !name || keywords.has(name) || variables.includes(name) });
    last = start + match[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}
