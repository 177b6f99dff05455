/**
 * The one order in which the analysis settings are decided (vscode-free, so it is unit-tested; the
 * VS Code side only gathers the layers, see readSettings.ts). Lowest to highest:
 *
 * 1. the defaults contributed in package.json,
 * 2. `longtail.json` at the workspace folder's root (`buckets.many`, `buckets.few`),
 * 3. user, workspace and workspace-folder settings that were explicitly set (in that order: the more
 *    specific wins), as `config.inspect()` reports them,
 * 4. command arguments (`executeCommand('longtail.analyseCheckpoint', uri, { manyThreshold: 50 })`).
 *
 * `config.get()` cannot express this: it returns the contributed default when nothing is set, and that
 * default would hide `longtail.json`. Documented in docs/settings.md.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';

/** The settings that shape an analysis (and fine-tuning's bucket thresholds). */
export const analysisSettingKeys = ['batchSize', 'manyThreshold', 'fewThreshold', 'confusionMatrixLimit', 'umapPoints'] as const;

/** One of {@link analysisSettingKeys}. */
export type AnalysisSettingKey = (typeof analysisSettingKeys)[number];

/** Resolved values, every key present. */
export type AnalysisSettings = Readonly<Record<AnalysisSettingKey, number>>;

/** Where a resolved value came from (for the log and the tests). */
export type SettingSource = 'default' | 'longtail.json' | 'user settings' | 'workspace settings' | 'folder settings' | 'command argument';

/** The VS Code setting (under `longtail.`) of each key. */
export const settingIds: Readonly<Record<AnalysisSettingKey, string>> = {
  batchSize: 'batchSize',
  manyThreshold: 'buckets.manyThreshold',
  fewThreshold: 'buckets.fewThreshold',
  confusionMatrixLimit: 'confusionMatrixLimit',
  umapPoints: 'umapPoints',
};

/** Smallest valid value of each key (the same minimums as package.json's schema). */
const minimums: Readonly<Record<AnalysisSettingKey, number>> = { batchSize: 1, manyThreshold: 1, fewThreshold: 1, confusionMatrixLimit: 2, umapPoints: 0 };

/** Used when a layer has no contributed default (must equal package.json's defaults). */
export const builtInDefaults: AnalysisSettings = { batchSize: 256, manyThreshold: 100, fewThreshold: 20, confusionMatrixLimit: 100, umapPoints: 5000 };

/** The part of VS Code's `WorkspaceConfiguration.inspect()` result the resolver reads. */
export interface SettingInspection {
  readonly defaultValue?: unknown;
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

/** Everything the resolver combines. */
export interface SettingLayers {
  /** `config.inspect(settingIds[key])` for each key (missing: nothing set, built-in default). */
  readonly inspect: Partial<Record<AnalysisSettingKey, SettingInspection | undefined>>;
  /** The parsed `longtail.json` and its path, when the folder has one. */
  readonly file?: { readonly path: string; readonly content: Readonly<Record<string, unknown>> };
  /** Command arguments: untrusted; only a plain object's known keys are read (an explorer menu passes an array of URIs, which is ignored). */
  readonly args?: unknown;
}

/** The values and where each came from. */
export interface ResolvedSettings {
  readonly values: AnalysisSettings;
  readonly sources: Readonly<Record<AnalysisSettingKey, SettingSource>>;
}

function checked(key: AnalysisSettingKey, value: unknown, where: () => LongtailError): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimums[key]) {
    throw where();
  }
  return value;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `longtail.json` keys: only the bucket thresholds live there (its schema has no batch size or matrix limit). */
function fromFile(file: NonNullable<SettingLayers['file']>): Partial<Record<AnalysisSettingKey, unknown>> {
  const buckets = file.content.buckets;
  if (buckets === undefined) return {};
  if (typeof buckets !== 'object' || buckets === null || Array.isArray(buckets)) {
    throw new LongtailError(ErrorCode.InvalidFile, `${file.path}: "buckets" must be an object like { "many": 100, "few": 20 }`, { file: file.path });
  }
  const b = buckets as { many?: unknown; few?: unknown };
  return { manyThreshold: b.many, fewThreshold: b.few };
}

/**
 * Resolves every analysis setting: defaults < longtail.json < explicit user / workspace / folder
 * settings < command arguments. Invalid values are errors naming where they are: INVALID_FILE for
 * longtail.json, INVALID_OPTION for settings and arguments (integers, at least 1; the matrix limit at
 * least 2; umapPoints at least 0, 0 turning UMAP off).
 */
export function resolveSettings(layers: SettingLayers): ResolvedSettings {
  const values = { ...builtInDefaults } as Record<AnalysisSettingKey, number>;
  const sources = {} as Record<AnalysisSettingKey, SettingSource>;
  const file = layers.file ? fromFile(layers.file) : {};
  const args = typeof layers.args === 'object' && layers.args !== null && !Array.isArray(layers.args) ? (layers.args as Record<string, unknown>) : {};
  for (const key of analysisSettingKeys) {
    const id = `longtail.${settingIds[key]}`;
    const inspection = layers.inspect[key];
    const settingError = (scope: string, value: unknown) => (): LongtailError =>
      new LongtailError(ErrorCode.InvalidOption, `${scope}: ${id} must be an integer of at least ${minimums[key]}, not ${describe(value)}`);
    let value = builtInDefaults[key];
    let source: SettingSource = 'default';
    if (inspection?.defaultValue !== undefined) {
      value = checked(key, inspection.defaultValue, settingError('the contributed default', inspection.defaultValue));
    }
    if (file[key] !== undefined) {
      const path = layers.file!.path;
      const fileKey = key === 'manyThreshold' ? 'buckets.many' : 'buckets.few';
      value = checked(key, file[key], () => new LongtailError(ErrorCode.InvalidFile, `${path}: ${fileKey} must be an integer of at least 1, not ${describe(file[key])}`, { file: path }));
      source = 'longtail.json';
    }
    const explicit: readonly [SettingSource, unknown][] = [
      ['user settings', inspection?.globalValue],
      ['workspace settings', inspection?.workspaceValue],
      ['folder settings', inspection?.workspaceFolderValue],
    ];
    for (const [scope, v] of explicit) {
      // In a single-folder workspace VS Code reports .vscode/settings.json as both workspace and folder value.
      if (v !== undefined && !(scope === 'folder settings' && source === 'workspace settings' && v === inspection?.workspaceValue)) {
        value = checked(key, v, settingError(scope, v));
        source = scope;
      }
    }
    if (args[key] !== undefined) {
      value = checked(key, args[key], () => new LongtailError(ErrorCode.InvalidOption, `command argument ${key} must be an integer of at least ${minimums[key]}, not ${describe(args[key])}`));
      source = 'command argument';
    }
    values[key] = value;
    sources[key] = source;
  }
  return { values, sources };
}

/** One log line: `manyThreshold 50 (longtail.json), fewThreshold 20 (default), …`. */
export function describeSettings(resolved: ResolvedSettings): string {
  return analysisSettingKeys.map((k) => `${k} ${resolved.values[k]} (${resolved.sources[k]})`).join(', ');
}
