/** Parameters and result of `data/examples`: the eval examples behind a number, for the dashboard's drill-down. */
import type { PreprocessingOptions } from './preprocessing';

/** Most examples one `data/examples` request may ask for. */
export const maxExamplesPerRequest = 64;

/** Which eval examples to show. */
export interface ExamplesParams {
  /** The evaluation dataset, as the report names it (`data.eval.path`, absolute). */
  readonly eval: string;
  /** Indices into the eval set (as the dataset yields it), at most {@link maxExamplesPerRequest}. */
  readonly indices: readonly number[];
  /** The report's preprocessing (only `resize` and `channels` matter for a thumbnail). */
  readonly preprocessing?: Readonly<Record<string, unknown>>;
  /** Longest thumbnail side in pixels (default 96, at most 256). */
  readonly maxSide?: number;
  /** A class-names file, as the analysis used (keeps folder labels in the model's order). */
  readonly classNames?: string;
}

/** One example. */
export interface ExampleView {
  readonly index: number;
  /** The example's label in the dataset. */
  readonly label: number;
  /** A PNG `data:` URI (image datasets), else null. */
  readonly thumbnail: string | null;
  /** The image file the example was decoded from (image folders, list files, iNat JSON), else null. */
  readonly file: string | null;
}

/** The examples, in the order asked. */
export interface ExamplesResult {
  /** Dataset format (`idx`, `image-folder`, `npz-features`, …). */
  readonly format: string;
  /** True for feature / embedding datasets: no thumbnails. */
  readonly isFeatures: boolean;
  readonly examples: readonly ExampleView[];
}

/** Keeps the preprocessing fields that shape an image (resize, channels); the rest would only recolour it. */
export function thumbnailPreprocessing(record: Readonly<Record<string, unknown>> | undefined): PreprocessingOptions {
  const out: { resize?: PreprocessingOptions['resize']; channels?: 1 | 3 } = {};
  const resize = record?.resize as { height?: unknown; width?: unknown; method?: unknown } | undefined;
  if (resize && typeof resize === 'object' && typeof resize.height === 'number' && typeof resize.width === 'number') {
    out.resize = { height: resize.height, width: resize.width, method: resize.method === 'nearest' ? 'nearest' : 'bilinear' };
  }
  if (record?.channels === 1 || record?.channels === 3) out.channels = record.channels;
  return out;
}
