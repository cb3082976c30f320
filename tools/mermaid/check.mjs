// Parse Mermaid diagrams with Mermaid's own parser: reads a JSON array of diagram texts on stdin,
// prints a JSON array of {ok, type | error}, one per diagram. mermaid.parse needs a DOM (DOMPurify),
// which jsdom provides; nothing is rendered.
import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

const diagrams = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const text of diagrams) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, type: parsed.diagramType });
  } catch (error) {
    results.push({ ok: false, error: String(error.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
