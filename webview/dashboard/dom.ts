/**
 * Tiny DOM builder. Text always goes in as text nodes (class names and paths are untrusted): there is no
 * innerHTML anywhere in the dashboard.
 */

type Child = Node | string | number | null | undefined | false;

/** Creates an element with attributes (set with setAttribute) and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === false) continue;
      if (k === 'class') el.className = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, ...children);
  return el;
}

/** Appends children (strings as text). */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Removes all children. */
export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A simple data table (the text alternative of a chart). Cells are text. */
export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly (string | number)[])[], note?: string): HTMLTableElement {
  const table = h('table', { class: 'data-table' }, h('caption', null, caption));
  const thead = h('thead');
  const tr = h('tr');
  for (const head of headers) tr.appendChild(h('th', { scope: 'col' }, head));
  thead.appendChild(tr);
  table.appendChild(thead);
  const tbody = h('tbody');
  for (const row of rows) {
    const r = h('tr');
    row.forEach((cell, k) => r.appendChild(k === 0 ? h('th', { scope: 'row' }, String(cell)) : h('td', null, String(cell))));
    tbody.appendChild(r);
  }
  table.appendChild(tbody);
  if (note) table.appendChild(h('tfoot', null, h('tr', null, h('td', { colspan: headers.length }, note))));
  return table;
}

/** Wraps a text alternative in a disclosure (`<details>`), open when printing is handled by CSS. */
export function textAlternative(summary: string, content: Node): HTMLDetailsElement {
  return h('details', { class: 'alt' }, h('summary', null, summary), content);
}

let idCounter = 0;
/** A document-unique id for aria wiring. */
export function uid(prefix: string): string {
  idCounter++;
  return `${prefix}-${idCounter}`;
}
