/**
 * Image folders (torchvision `ImageFolder` layout): `root/<class>/…/*.{png,jpg,jpeg}` (searched recursively). Classes are the
 * sub-folders sorted by name (code-point order); label k is the k-th folder. Class folders with no image
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

/** Opens an image folder dataset. */
export async function openImageFolderDataset(root: string, options: { preprocessing?: ImagePreprocessing } = {}): Promise<DatasetSource> {
  const listing = await listImageFolder(root);
  return openImageListDataset({
    path: root,
    format: 'image-folder',
    files: listing.files,
    labels: listing.labels,
    numClasses: listing.classNames.length,
    classNames: listing.classNames,
    preprocessing: options.preprocessing,
  });
}
