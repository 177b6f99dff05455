/**
 * Image folders (torchvision `ImageFolder` layout): `root/<class>/…/*.{png,jpg,jpeg}` (searched recursively). Without
 * class names, classes are the sub-folders sorted by name (code-point order; torchvision's convention) and label k
 * is the k-th folder; with class names, folders are matched to them by name (see {@link openImageFolderDataset}). Class folders with no image
 * are kept (count 0), because a long-tail analysis must see empty classes. Files in `root` itself and
 * hidden entries (`.name`) are ignored. A name that is not valid UTF-8 is {@link ErrorCode.InvalidFile} naming
 * its folder (it could not be opened again from a JavaScript string).
 */
import { promises as fsp, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { fsError } from '../io/fileAccess';
import type { DatasetSource } from './datasetSource';
import { isImageFileName } from './imageDecode';
import type { ImagePreprocessing } from './imagePreprocessing';
import { openImageListDataset } from './imageListDataset';

/** The listing of an image folder. */
export interface ImageFolderListing {
  /** Sorted class folder names. */
  readonly classNames: string[];
  /** Image paths, class by class, each class's files sorted. */
  readonly files: string[];
  /** Label of each file. */
  readonly labels: Int32Array;
}

/** A folder's entries, refusing names that are not valid UTF-8 (they would be mangled to U+FFFD). */
async function readFolder(dir: string): Promise<Dirent[]> {
  let raw: Dirent<Buffer>[];
  try {
    raw = await fsp.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    throw fsError(error, dir);
  }
  return raw.map((e) => {
    const name = e.name.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(e.name)) {
      const shown = JSON.stringify(e.name.toString('latin1')).slice(1, -1);
      throw new LongtailError(ErrorCode.InvalidFile, `${dir}: the file name "${shown}" is not valid UTF-8; rename it`, { file: dir });
    }
    return Object.assign(e, { name }) as unknown as Dirent;
  });
}

async function listImages(dir: string, out: string[]): Promise<void> {
  const entries = await readFolder(dir);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) {
      continue;
    }
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      await listImages(p, out);
    } else if (isImageFileName(e.name)) {
      out.push(p);
    }
  }
}

/** Lists `root`'s class folders and their images (no decoding). */
export async function listImageFolder(root: string): Promise<ImageFolderListing> {
  const entries = await readFolder(root);
  const classNames = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: string[] = [];
  const labels: number[] = [];
  for (let k = 0; k < classNames.length; k++) {
    const before = files.length;
    await listImages(join(root, classNames[k]), files);
    for (let i = before; i < files.length; i++) {
      labels.push(k);
    }
  }
  return { classNames, files, labels: Int32Array.from(labels) };
}

/** True when some sub-folder of `root` holds an image (checked to one level inside each class). */
export async function looksLikeImageFolder(root: string): Promise<boolean> {
  let entries;
  try {
    entries = await fsp.readdir(root, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.')) {
      try {
        const inner = await fsp.readdir(join(root, e.name));
        if (inner.some(isImageFileName)) {
          return true;
        }
      } catch {
        // unreadable folder: not evidence either way
      }
    }
  }
  return false;
}

/** How class folders were turned into labels. */
export interface FolderClassOrder {
  /** `by-name`: each folder matched a given class name; `sorted`: torchvision ImageFolder's sorted folder names. */
  readonly convention: 'by-name' | 'sorted';
  /** The folder of each class index (null for a named class with no folder). */
  readonly folders: readonly (string | null)[];
}

/** A folder name reduced for matching against a class name (`T-shirt_top` ≙ `T-shirt/top`, `ankle boot` ≙ `Ankle boot`). */
function matchKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Maps class folders to the indices of `classNames`: an exact name match first, else a match ignoring case,
 * spaces and punctuation (folder names cannot hold `/`), as long as that match is unambiguous. Every folder must
 * match one class; a class may have no folder (no eval examples). Returns null when no folder matches any name
 * (folders named by index or WordNet id: the names then label the sorted folders by position). Throws
 * {@link ErrorCode.ShapeMismatch} naming the first folder that matches no class name when others do.
 */
export function mapFoldersToClasses(root: string, folders: readonly string[], classNames: readonly string[]): (string | null)[] | null {
  const exact = new Map(classNames.map((n, i) => [n, i]));
  const loose = new Map<string, number[]>();
  classNames.forEach((n, i) => loose.set(matchKey(n), [...(loose.get(matchKey(n)) ?? []), i]));
  const byClass: (string | null)[] = classNames.map(() => null);
  if (!folders.some((f) => exact.has(f) || loose.has(matchKey(f)))) return null;
  for (const folder of folders) {
    let index = exact.get(folder);
    if (index === undefined) {
      const candidates = loose.get(matchKey(folder)) ?? [];
      if (candidates.length === 1) index = candidates[0];
    }
    if (index === undefined || byClass[index] !== null) {
      throw new LongtailError(
        ErrorCode.ShapeMismatch,
        `${join(root, folder)}: the class folder '${folder}' ${index === undefined ? 'matches none' : 'matches the same class as another folder'} of the ${classNames.length} class names given; name each folder after its class, or leave out the class names to use sorted folder order (torchvision ImageFolder)`,
        { file: root },
      );
    }
    byClass[index] = folder;
  }
  return byClass;
}

/**
 * Opens an image folder dataset. With `classNames` (from `--class-names` or longtail.json) folders are mapped to
 * classes by name, so the labels follow the model's class order whatever the folders sort to; without them,
 * label k is the k-th folder in sorted order (torchvision `ImageFolder`). {@link DatasetSource.classOrder} records
 * which, so reports can show the mapping.
 */
export async function openImageFolderDataset(root: string, options: { preprocessing?: ImagePreprocessing; classNames?: readonly string[] | null } = {}): Promise<DatasetSource> {
  const listing = await listImageFolder(root);
  let labels = listing.labels;
  let classNames = listing.classNames;
  let classOrder: FolderClassOrder = { convention: 'sorted', folders: listing.classNames };
  const byClass = options.classNames && options.classNames.length > 0 ? mapFoldersToClasses(root, listing.classNames, options.classNames) : null;
  if (options.classNames && byClass) {
    const indexOfFolder = new Map(byClass.map((folder, i) => [folder, i]));
    labels = Int32Array.from(listing.labels, (k) => indexOfFolder.get(listing.classNames[k])!);
    classNames = [...options.classNames];
    classOrder = { convention: 'by-name', folders: byClass };
  } else if (options.classNames && options.classNames.length > 0) {
    // Folders named otherwise (indices, WordNet ids): the names label the sorted folders by position.
    if (options.classNames.length !== listing.classNames.length) {
      throw new LongtailError(ErrorCode.ShapeMismatch, `${root}: ${options.classNames.length} class names for ${listing.classNames.length} class folders (and no folder is named after a class)`, { file: root });
    }
    classNames = [...options.classNames];
  }
  const source = await openImageListDataset({
    path: root,
    format: 'image-folder',
    files: listing.files,
    labels,
    numClasses: classNames.length,
    classNames,
    preprocessing: options.preprocessing,
  });
  return { ...source, classOrder };
}
