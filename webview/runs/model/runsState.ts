/**
 * What the runs webview remembers with setState (and so across hiding the panel and window reloads): the
 * sort, the chart's metric and its filters. Saved state is untrusted input: anything not recognised falls
 * back to the default, field by field.
 */
import { isRunMetricId, type RunMetricId } from '../../../src/protocol/runsTable';
import { defaultRunSort, isRunSortKey, type RunSort } from './sortRuns';

/** The remembered UI state. */
export interface RunsUiState {
  readonly sort: RunSort;
  readonly metric: RunMetricId;
  readonly modelFilter: string | null;
  readonly tagFilter: string | null;
}

/** Nothing remembered yet. */
export const defaultRunsUiState: RunsUiState = { sort: defaultRunSort, metric: 'balancedError', modelFilter: null, tagFilter: null };

const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 4096 ? v : null);

/** The state to use from whatever getState() returned. */
export function sanitiseRunsState(saved: unknown): RunsUiState {
  if (typeof saved !== 'object' || saved === null) return defaultRunsUiState;
  const s = saved as Record<string, unknown>;
  const sort = s.sort as { key?: unknown; descending?: unknown } | undefined;
  return {
    sort: sort && isRunSortKey(sort.key) && typeof sort.descending === 'boolean' ? { key: sort.key, descending: sort.descending } : defaultRunSort,
    metric: isRunMetricId(s.metric) ? s.metric : defaultRunsUiState.metric,
    modelFilter: text(s.modelFilter),
    tagFilter: text(s.tagFilter),
  };
}
