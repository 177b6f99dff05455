/**
 * The runs table: one row per run (time, checkpoint, loss, scope, balanced error, many/medium/few error,
 * tags), sortable by every column (a button in each header: click, Enter or Space; `aria-sort` says the
 * current order). A click on a row, or Enter on its time button, opens that run's dashboard. Tags are
 * edited in place: × removes one, "+ tag" opens a text box (Enter adds, Escape cancels). Every string from
 * the workspace goes in as text (dom.ts `h` makes text nodes), never as markup.
 */
import { runTimeMs, type RunRow } from '../../src/protocol/runsTable';
import { h } from '../dashboard/dom';
import { formatPercent } from '../dashboard/model/format';
import { nextSort, sortRuns, type RunSort, type RunSortKey } from './model/sortRuns';
import { formatLocalTime, localZone } from './model/timeAxis';

/** What the table asks of its owner. */
export interface RunsTableActions {
  open(id: string): void;
  setTags(id: string, tags: readonly string[]): void;
  sortChanged(sort: RunSort): void;
}

interface Column {
  readonly key: RunSortKey;
  readonly label: string;
  readonly numeric: boolean;
  readonly title: string;
}

const columns: readonly Column[] = [
  { key: 'time', label: 'time', numeric: false, title: `when the report was written (createdAt), in local time (${localZone(Date.now())})` },
  { key: 'model', label: 'checkpoint', numeric: false, title: 'the checkpoint analysed (model.path)' },
  { key: 'loss', label: 'loss', numeric: false, title: 'the training loss, from training.json' },
  { key: 'scope', label: 'scope', numeric: false, title: 'the fine-tuning scope, from training.json (— for an analysis)' },
  { key: 'balancedError', label: 'balanced error', numeric: true, title: '1 − mean per-class recall' },
  { key: 'manyError', label: 'many', numeric: true, title: 'many-shot error: 1 − mean recall of the many-shot classes' },
  { key: 'mediumError', label: 'medium', numeric: true, title: 'medium-shot error: 1 − mean recall of the medium-shot classes' },
  { key: 'fewError', label: 'few', numeric: true, title: 'few-shot error: 1 − mean recall of the few-shot classes' },
  { key: 'tags', label: 'tags', numeric: false, title: 'your tags (tags.json in the run folder)' },
];

/**
 * `2026-11-27T17:48:22.123Z` → `2026-11-27 17:48:22` in local time; the text as it is when it is not an
 * ISO 8601 time with a zone (model/timeAxis.ts, src/protocol/runsTable.ts runTimeMs).
 */
export function formatRunTime(iso: string | null): string {
  if (iso === null) return '—';
  const t = runTimeMs(iso);
  return Number.isNaN(t) ? iso : formatLocalTime(t);
}

/** The last path segment (a checkpoint's file or, for model.json, its folder and file). */
export function shortModel(model: string): string {
  const parts = model.split(/[\\/]+/).filter((p) => p !== '');
  if (parts.length === 0) return model;
  const last = parts[parts.length - 1];
  return last === 'model.json' && parts.length > 1 ? `${parts[parts.length - 2]}/${last}` : last;
}

/** Renders the table into `container` (replacing it) and keeps its sort. */
export class RunsTableView {
  private rows: readonly RunRow[] = [];
  /** The row whose tag box is open (kept across re-renders so a refresh does not close it). */
  private editing: string | null = null;
  /** What is typed in the open tag box (kept across re-renders: a refresh must not lose it). */
  private draft = '';
  /** True while the table is being replaced: the open tag box's blur then is not the user leaving it. */
  private rendering = false;

  constructor(
    private readonly container: HTMLElement,
    private sort: RunSort,
    private readonly actions: RunsTableActions,
  ) {}

  /** Shows a new listing. */
  update(rows: readonly RunRow[]): void {
    this.rows = rows;
    if (this.editing !== null && !rows.some((r) => r.id === this.editing)) this.editing = null;
    this.render();
  }

  private render(): void {
    const focusedKey = (document.activeElement as HTMLElement | null)?.dataset?.focusKey;
    const table = h('table', { class: 'runs-table', id: 'runs-table' });
    table.appendChild(h('caption', { class: 'visually-hidden' }, 'Runs; sort with the column header buttons'));
    const head = h('tr');
    for (const c of columns) {
      const sorted = this.sort.key === c.key;
      const button = h('button', { class: 'sort', type: 'button', 'data-sort-key': c.key, 'data-focus-key': `sort:${c.key}`, title: c.title }, c.label, sorted ? (this.sort.descending ? ' ▼' : ' ▲') : '');
      button.addEventListener('click', () => {
        this.sort = nextSort(this.sort, c.key);
        this.actions.sortChanged(this.sort);
        this.render();
      });
      head.appendChild(h('th', { scope: 'col', class: c.numeric ? 'num' : undefined, 'aria-sort': sorted ? (this.sort.descending ? 'descending' : 'ascending') : 'none' }, button));
    }
    table.appendChild(h('thead', null, head));
    const body = h('tbody');
    for (const row of sortRuns(this.rows, this.sort)) body.appendChild(this.renderRow(row));
    table.appendChild(body);
    this.rendering = true;
    try {
      this.container.replaceChildren(table);
    } finally {
      this.rendering = false;
    }
    if (focusedKey) (this.container.querySelector(`[data-focus-key="${CSS.escape(focusedKey)}"]`) as HTMLElement | null)?.focus();
  }

  private renderRow(row: RunRow): HTMLTableRowElement {
    const tr = h('tr', { class: row.error ? 'run invalid' : 'run', 'data-run-id': row.id, 'data-folder': row.folder });
    const ms = runTimeMs(row.createdAt);
    const when = Number.isNaN(ms) ? (row.createdAt === null ? '' : `createdAt ${row.createdAt} has no time zone or does not parse; `) : `${formatLocalTime(ms)} ${localZone(ms)} = ${new Date(ms).toISOString()}; `;
    const open = h('button', { class: 'run-open', type: 'button', 'data-focus-key': `open:${row.id}`, title: `${when}open the dashboard of ${row.folder}` }, row.createdAt ? formatRunTime(row.createdAt) : row.folder);
    open.addEventListener('click', (e) => {
      e.stopPropagation();
      this.actions.open(row.id);
    });
    tr.appendChild(h('td', { class: 'col-time' }, open, h('div', { class: 'sub' }, row.kind === 'finetune' ? `fine-tune · ${row.folder}` : row.folder)));
    if (row.error !== null) {
      tr.appendChild(h('td', { class: 'run-error', colspan: 7 }, row.error));
    } else {
      tr.appendChild(h('td', { class: 'col-model', title: row.model ?? undefined }, row.model === null ? '—' : shortModel(row.model)));
      tr.appendChild(h('td', { class: 'col-loss' }, row.loss ?? '—'));
      tr.appendChild(h('td', { class: 'col-scope' }, row.scope ?? '—'));
      for (const key of ['balancedError', 'manyError', 'mediumError', 'fewError'] as const) {
        tr.appendChild(h('td', { class: `num col-${key}`, 'data-value': row.metrics[key] ?? undefined }, formatPercent(row.metrics[key], 2)));
      }
    }
    tr.appendChild(this.renderTags(row));
    // A click anywhere on the row but its controls opens the dashboard.
    tr.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('button, input, .tags')) return;
      this.actions.open(row.id);
    });
    return tr;
  }

  private renderTags(row: RunRow): HTMLTableCellElement {
    const cell = h('td', { class: 'tags' });
    // A linked run folder is not followed: the host writes no tags there, so none are offered.
    if (row.linked === true) {
      cell.appendChild(h('span', { class: 'muted', title: 'a symbolic link: tags are not written through it' }, '—'));
      return cell;
    }
    const list = h('ul', { class: 'tag-list', 'aria-label': `tags of ${row.folder}` });
    for (const tag of row.tags) {
      const remove = h('button', { class: 'tag-remove', type: 'button', 'aria-label': `Remove tag ${tag}`, title: 'Remove this tag', 'data-focus-key': `rm:${row.id}:${tag}` }, '×');
      remove.addEventListener('click', () => this.actions.setTags(row.id, row.tags.filter((t) => t !== tag)));
      list.appendChild(h('li', { class: 'tag' }, h('span', { class: 'tag-text' }, tag), remove));
    }
    cell.appendChild(list);
    if (row.tagsError !== null) cell.appendChild(h('div', { class: 'tags-error', role: 'note' }, row.tagsError));
    if (this.editing === row.id) {
      const input = h('input', { class: 'tag-input', type: 'text', maxlength: 64, 'aria-label': `New tag for ${row.folder}`, placeholder: 'tag, Enter' });
      input.value = this.draft;
      const close = (): void => {
        this.editing = null;
        this.draft = '';
        this.render();
      };
      input.addEventListener('input', () => {
        this.draft = input.value;
      });
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          const value = input.value.trim();
          this.editing = null;
          this.draft = '';
          if (value && !row.tags.includes(value)) this.actions.setTags(row.id, [...row.tags, value]);
          this.render();
        } else if (e.key === 'Escape') {
          e.preventDefault();
          close();
        }
      });
      // A box replaced by a refresh (the listing changes when a tags.json is written) loses focus without the user.
      input.addEventListener('blur', () => {
        if (!this.rendering && input.isConnected && this.editing === row.id) close();
      });
      cell.appendChild(input);
      queueMicrotask(() => input.focus());
    } else {
      const add = h('button', { class: 'tag-add', type: 'button', 'aria-label': `Add a tag to ${row.folder}`, 'data-focus-key': `add:${row.id}` }, '+ tag');
      add.addEventListener('click', () => {
        this.editing = row.id;
        this.draft = '';
        this.render();
      });
      cell.appendChild(add);
    }
    return cell;
  }
}
