import { JSDOM } from 'jsdom';
import type { Mermaid } from 'mermaid';

let loaded: Promise<Mermaid> | null = null;

/**
 * The real `mermaid` package, parsing in Node: its sanitizer (DOMPurify) needs a window, which
 * jsdom provides. `parse` rejects with the parser's message on invalid input.
 */
export function loadMermaid(): Promise<Mermaid> {
  loaded ??= (async () => {
    const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
    const g = globalThis as Record<string, unknown>;
    g.window ??= dom.window;
    g.document ??= dom.window.document;
    const { default: mermaid } = await import('mermaid');
    mermaid.initialize({ startOnLoad: false });
    return mermaid;
  })();
  return loaded;
}

/** null when the text parses as a Mermaid diagram, else the parser's error. */
export async function mermaidError(text: string): Promise<string | null> {
  const mermaid = await loadMermaid();
  try {
    await mermaid.parse(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
