// Mermaid is big (hundreds of KB): it is fetched from our own /vendor the first time a
// diagram is shown, never with the app shell.
let loading = null;
let seq = 0;

function load() {
  loading ??= import('/vendor/mermaid/mermaid.esm.min.mjs').then(({ default: mermaid }) => {
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: dark ? 'dark' : 'default',
    });
    return mermaid;
  });
  return loading;
}

/** Renders `text` as SVG into `el`; on failure shows the source and says why. */
export async function renderMermaid(el, text, label) {
  el.setAttribute('aria-busy', 'true');
  try {
    const mermaid = await load();
    const { svg } = await mermaid.render(`mermaid-${++seq}`, text);
    // securityLevel 'strict': mermaid sanitises labels, and our CSP runs no inline script.
    el.innerHTML = svg;
    const node = el.querySelector('svg');
    node?.setAttribute('role', 'img');
    node?.setAttribute('aria-label', label);
    el.dataset.rendered = 'svg';
  } catch (e) {
    el.dataset.rendered = 'error';
    const pre = document.createElement('pre');
    pre.textContent = text;
    const why = document.createElement('p');
    why.textContent = `The diagram could not be drawn: ${e?.message ?? e}`;
    el.replaceChildren(why, pre);
  } finally {
    el.removeAttribute('aria-busy');
  }
}
