/**
 * A dataset of image files with known labels (the common core of image folders, list files and
 * iNaturalist JSON). Images are decoded per batch (PNG/JPEG); nothing is held but the file list and
 * labels. Without `resize` every image must have the size of the first one (else
 * {@link ErrorCode.ShapeMismatch} naming the image). A missing or undecodable image fails the read,
 * naming the image (policy: no silent skipping).
 *
 * Channels: without a `channels` option, the first image's own channel count decides (a grey PNG/JPEG folder
 * gives `[H, W, 1]` examples, a colour one `[H, W, 3]`). A grey image in a colour dataset is replicated to RGB
 * (PIL's `convert('RGB')`, torchvision's default loader); a colour image in a grey dataset is refused
 * ({@link ErrorCode.ShapeMismatch} naming it and suggesting `--channels`), since turning it to luma silently
 * could hide a wrong dataset. With `channels` every image is converted (1: luma 0.299 R + 0.587 G + 0.114 B).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { DatasetSource, ExampleBatch } from './datasetSource';
import { readImageFile } from './imageDecode';
import { preprocessImage, preprocessedShape, preprocessingRecord, validatePreprocessing, type ImagePreprocessing } from './imagePreprocessing';
import { checkLabelRange, checkNotEmpty } from './labelChecks';

/** What a list-of-images dataset needs. */
export interface ImageListSpec {
  /** The path the user gave. */
  readonly path: string;
  /** Format name (`image-folder`, `list-file`, `inat-json`). */
  readonly format: string;
  /** Absolute image paths, one per example. */
  readonly files: readonly string[];
  /** Labels, one per example. */
  readonly labels: Int32Array;
  /** Class count when known. */
  readonly numClasses: number | null;
  /** Class names when known. */
  readonly classNames: readonly string[] | null;
  /** Preprocessing options. */
  readonly preprocessing?: ImagePreprocessing;
}

/** Opens the dataset; decodes the first image to learn the example shape unless `resize` is set. */
export async function openImageListDataset(spec: ImageListSpec): Promise<DatasetSource> {
  const preprocessing = spec.preprocessing ?? {};
  const { files, labels, path } = spec;
  checkNotEmpty(files.length, path, path);
  checkLabelRange(labels, spec.numClasses, path, path);
  const first = await readImageFile(files[0]);
  const natural = first.fileChannels;
  validatePreprocessing(preprocessing, natural);
  const stored: { height: number; width: number } | null = preprocessing.resize ? null : { height: first.height, width: first.width };
  const exampleShape = stored ? preprocessedShape(preprocessing, stored.height, stored.width, natural) : preprocessedShape(preprocessing, 0, 0, natural);
  const exampleSize = exampleShape[0] * exampleShape[1] * exampleShape[2];
  return {
    path,
    format: spec.format,
    size: files.length,
    exampleShape,
    memberFiles: spec.format === 'image-folder' ? undefined : files,
    numClasses: spec.numClasses,
    classNames: spec.classNames ? [...spec.classNames] : null,
    isFeatures: false,
    preprocessing: preprocessingRecord(preprocessing),
    readLabels: async () => labels.slice(),
    exampleFile: (index: number) => files[index] ?? null,
    async readBatch(start: number, count: number): Promise<ExampleBatch> {
      const first = Math.max(0, Math.min(start, files.length));
      const m = Math.max(0, Math.min(count, files.length - first));
      const x = new Float32Array(m * exampleSize);
      for (let i = 0; i < m; i++) {
        const file = files[first + i];
        const image = await readImageFile(file);
        if (stored && (image.height !== stored.height || image.width !== stored.width)) {
          throw new LongtailError(
            ErrorCode.ShapeMismatch,
            `${file}: image is ${image.width}×${image.height} but the first image is ${stored.width}×${stored.height}; set a resize in the preprocessing options`,
            { file },
          );
        }
        if (preprocessing.channels === undefined && natural === 1 && image.fileChannels === 3) {
          throw new LongtailError(
            ErrorCode.ShapeMismatch,
            `${file}: a colour image in a dataset of grey images (the first, ${files[0]}, is grey); give --channels 3 (grey images replicated to RGB) or --channels 1 (colour turned to luma)`,
            { file },
          );
        }
        preprocessImage(image, preprocessing, natural, x, i * exampleSize);
      }
      return { x, shape: [m, ...exampleShape], labels: labels.slice(first, first + m) };
    },
    close: async () => undefined,
  };
}
