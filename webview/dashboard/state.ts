/**
 * The dashboard's UI state (tab, table sort and filter, τ slider) and the report files it shows,
 * persisted with the webview API's getState/setState when running in VS Code, so a hidden and re-shown
 * panel comes back as it was, and a panel restored after a window reload reopens its own report (VS Code
 * passes this state to the host's panel serializer).
 */
import { dashboardTabs, parseDashboardInput, type DashboardInput, type DashboardTab, type FromDashboardMessage } from '../../src/protocol/webviewProtocol';
import { columnFor, defaultSort, emptyFilter, type FilterSpec, type SortSpec } from './model/classTable';
import type { VsCodeApi as GenericVsCodeApi } from '../vscodeApi';

/** What is persisted. */
export interface DashboardState {
  readonly version: 1;
  readonly tab: DashboardTab;
  readonly sort: SortSpec;
  readonly filter: FilterSpec;
  /** Index into the post-hoc sweep's τ grid (null: τ = 1 when present). */
  readonly tauIndex: number | null;
  /** The report (and comparison) this panel shows; null until the host has sent one. */
  readonly input: DashboardInput | null;
}

/** The subset of `acquireVsCodeApi()` the dashboard uses. */
export type VsCodeApi = GenericVsCodeApi<FromDashboardMessage>;

/** Initial state. */
export const initialState: DashboardState = { version: 1, tab: 'overview', sort: defaultSort, filter: emptyFilter, tauIndex: null, input: null };

/** Accepts a persisted value only field by field (it may come from an older build). */
export function sanitiseState(value: unknown): DashboardState {
  if (typeof value !== 'object' || value === null) return initialState;
  const v = value as Partial<Record<keyof DashboardState, unknown>>;
  const tab = typeof v.tab === 'string' && (dashboardTabs as readonly string[]).includes(v.tab) ? (v.tab as DashboardTab) : initialState.tab;
  const s = v.sort as { key?: unknown; dir?: unknown } | undefined;
  const sort: SortSpec = s && typeof s.key === 'string' && columnFor(s.key) && (s.dir === 'asc' || s.dir === 'desc') ? { key: columnFor(s.key)!.key, dir: s.dir } : defaultSort;
  const f = v.filter as { text?: unknown; bucket?: unknown; maxAccuracy?: unknown } | undefined;
  const filter: FilterSpec = {
    text: typeof f?.text === 'string' ? f.text.slice(0, 200) : '',
    bucket: f?.bucket === 'many' || f?.bucket === 'medium' || f?.bucket === 'few' ? f.bucket : 'all',
    maxAccuracy: typeof f?.maxAccuracy === 'number' && f.maxAccuracy >= 0 && f.maxAccuracy <= 1 ? f.maxAccuracy : null,
  };
  const tauIndex = typeof v.tauIndex === 'number' && Number.isInteger(v.tauIndex) && v.tauIndex >= 0 ? v.tauIndex : null;
  const input = parseDashboardInput(v.input) ?? null;
  return { version: 1, tab, sort, filter, tauIndex, input };
}

/** Holds the state and writes it through to VS Code (when present) on every change. */
export class StateStore {
  private current: DashboardState;

  constructor(private readonly api: VsCodeApi | null) {
    this.current = sanitiseState(api?.getState());
  }

  get(): DashboardState {
    return this.current;
  }

  update(patch: Partial<Omit<DashboardState, 'version'>>): void {
    this.current = { ...this.current, ...patch };
    this.api?.setState(this.current);
  }
}
