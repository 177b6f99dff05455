/**
 * The engine's view of a dataset: examples read in batches from disk (never all in memory at once),
 * already preprocessed to float32, with integer labels. Every reader (IDX, CIFAR binary, image folders,
 * list files, iNaturalist JSON, npz/safetensors arrays, subset indices) produces one.
 */

/** A batch of preprocessed examples. */
export interface ExampleBatch {
  /** Row-major float32 values, shape `[count, ...exampleShape]` (images NHWC). */
  readonly x: Float32Array;
  /** `[count, ...exampleShape]`. */
  readonly shape: readonly number[];
  /** Labels, length `count`; values in [0, numClasses). */
  readonly labels: Int32Array;
}

/** A readable dataset. */
export interface DatasetSource {
  /** The path the user gave (file or directory). */
  readonly path: string;
  /** Format name, e.g. `idx`, `cifar10-binary`, `image-folder`, `npz-features`, `subset`. */
  readonly format: string;
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example after preprocessing, e.g. `[28, 28, 1]` or `[D]` for feature arrays. */
  readonly exampleShape: readonly number[];
  /** Number of classes when the format knows it (else derived from labels by the caller). */
  readonly numClasses: number | null;
  /** Class names when known (untrusted text). */
  readonly classNames: readonly string[] | null;
  /** True when examples are embeddings/features rather than raw inputs. */
  readonly isFeatures: boolean;
  /** Logits stored alongside features, if the file has them (`[size, C]`). */
  readonly storedLogits?: { readonly data: Float32Array; readonly numClasses: number };
  /**
   * For class-named image folders: how folders became labels (`by-name` against given class names, or `sorted`
   * folder names as torchvision's ImageFolder does) and each class's folder. Absent for other formats.
   */
  readonly classOrder?: { readonly convention: 'by-name' | 'sorted'; readonly folders: readonly (string | null)[] };
  /**
   * Other files or folders the examples are read from, besides `path` (the images a list file or JSON index
   * names; a subset's source). Cache identities cover their sizes and mtimes, so overwriting an image a
   * list file points to invalidates cached outputs. Absent when `path` alone holds the data.
   */
  readonly memberFiles?: readonly string[];
  /** The image file example `index` is decoded from (image folders, list files, iNat JSON, their subsets); absent or null otherwise. */
  exampleFile?(index: number): string | null;
  /** Preprocessing applied, recorded in reports (e.g. `{ scale: '1/255' }`). */
  readonly preprocessing: Readonly<Record<string, unknown>>;
  /** All labels (cheap: labels are small). */
  readLabels(): Promise<Int32Array>;
  /** Examples `[start, start + count)`, clipped to the end. */
  readBatch(start: number, count: number): Promise<ExampleBatch>;
  /** Releases file handles. */
  close(): Promise<void>;
}
