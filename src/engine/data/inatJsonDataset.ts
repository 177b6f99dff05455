/**
 * iNaturalist-style (COCO-like) JSON: `images` `[{id, file_name}]`, `annotations`
 * `[{image_id, category_id}]`, `categories` `[{id, name}]`. Each image takes its annotation's category;
 * category ids are used as labels when they are exactly 0..K−1 (iNat 2018), otherwise they are mapped
 * to 0..K−1 in increasing id order. Image paths are relative to `root` (default: the JSON's directory).
 * An image without an annotation is {@link ErrorCode.InvalidLabels}.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { DatasetSource } from './datasetSource';
import type { ImagePreprocessing } from './imagePreprocessing';
import { openImageListDataset } from './imageListDataset';

/** True when a parsed JSON value has the iNaturalist / COCO keys. */
export function isInatJson(value: unknown): boolean {
  const v = value as { images?: unknown; annotations?: unknown; categories?: unknown } | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.images) && Array.isArray(v.annotations) && Array.isArray(v.categories);
}

/** Options for {@link openInatJsonDataset}. */
export interface InatJsonOptions {
  /** Directory the `file_name`s are relative to. */
  readonly root?: string;
  /** Image preprocessing. */
  readonly preprocessing?: ImagePreprocessing;
}

/** Opens a parsed iNaturalist JSON (`json`) read from `path`. */
export async function openInatJsonDataset(path: string, json: unknown, options: InatJsonOptions = {}): Promise<DatasetSource> {
  const fail = (code: ErrorCode, what: string): LongtailError => new LongtailError(code, `${path}: ${what}`, { file: path });
  if (!isInatJson(json)) {
    throw fail(ErrorCode.UnknownFormat, 'not an iNaturalist/COCO JSON (needs images, annotations and categories arrays)');
  }
  const { images, annotations, categories } = json as { images: unknown[]; annotations: unknown[]; categories: unknown[] };
  const ids: number[] = [];
  const names = new Map<number, string>();
  for (const c of categories) {
    const id = (c as { id?: unknown })?.id;
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      throw fail(ErrorCode.InvalidFile, `category ${JSON.stringify(c)?.slice(0, 80)} has no integer id`);
    }
    ids.push(id);
    const name = (c as { name?: unknown }).name;
    names.set(id, typeof name === 'string' ? name : String(id));
  }
  ids.sort((a, b) => a - b);
  const contiguous = ids.every((id, i) => id === i);
  const indexOf = new Map(ids.map((id, i) => [id, contiguous ? id : i]));
  const categoryOf = new Map<unknown, number>();
  for (const a of annotations) {
    const { image_id: imageId, category_id: categoryId } = (a ?? {}) as { image_id?: unknown; category_id?: unknown };
    const k = typeof categoryId === 'number' ? indexOf.get(categoryId) : undefined;
    if (k === undefined) {
      throw fail(ErrorCode.InvalidLabels, `annotation for image ${JSON.stringify(imageId)} has category_id ${JSON.stringify(categoryId)}, not among the categories`);
    }
    categoryOf.set(imageId, k);
  }
  const root = options.root ?? dirname(path);
  const files: string[] = [];
  const labels = new Int32Array(images.length);
  images.forEach((img, i) => {
    const { id, file_name: fileName } = (img ?? {}) as { id?: unknown; file_name?: unknown };
    if (typeof fileName !== 'string') {
      throw fail(ErrorCode.InvalidFile, `image ${i} has no file_name`);
    }
    const k = categoryOf.get(id);
    if (k === undefined) {
      throw fail(ErrorCode.InvalidLabels, `image ${JSON.stringify(id)} (${fileName}) has no annotation`);
    }
    labels[i] = k;
    files.push(isAbsolute(fileName) ? fileName : join(root, fileName));
  });
  return openImageListDataset({
    path,
    format: 'inat-json',
    files,
    labels,
    numClasses: ids.length,
    classNames: ids.map((id) => names.get(id) ?? String(id)),
    preprocessing: options.preprocessing,
  });
}
