/**
 * Hostile inputs (issue #14), one family at a time, each with a real hostile file: a FIFO made with mkfifo,
 * symlinks to /dev/zero and out of the model folder, decompression bombs made here, crafted headers. Each
 * must fail fast with a one-line LongtailError whose code and file are asserted, and leave nothing behind.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { readWorkspaceConfig } from '../../../src/engine/config/workspaceConfig';
import { readClassNamesFile } from '../../../src/engine/data/classNames';
import { decodeImageBytes } from '../../../src/engine/data/imageDecode';
import { parseListFile } from '../../../src/engine/data/listFileDataset';
import { openDataset } from '../../../src/engine/data/openDataset';
import { inflateBuffer, sweepStaleTempFolders, tempFolderPrefix } from '../../../src/engine/io/boundedInflate';
import { isInside, openForRead, outputError, readTextFile } from '../../../src/engine/io/fileAccess';
import { readLimits } from '../../../src/engine/io/readLimits';
import { readTensorFile } from '../../../src/engine/io/tensorFile';
import { writeDirAtomic, writeFileAtomic } from '../../../src/engine/output/atomicOutput';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { gzip, idxImagesBytes, idxLabelsBytes, npyBytes, npzBytes, tempDir, writeFile, zipBytes } from '../../fixtures/writers';

const { dir, cleanup } = tempDir('longtail-hostile-');
after(cleanup);

const posix = process.platform !== 'win32';

function sub(name: string): string {
  const p = join(dir, name);
  mkdirSync(p, { recursive: true });
  return p;
}

/** Asserts a one-line LongtailError with `code` whose message and `file` name `file`, within `ms`. */
async function fails(run: () => Promise<unknown>, code: ErrorCode, file: string, message?: RegExp, ms = 5000): Promise<LongtailError> {
  const started = Date.now();
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof LongtailError, `expected a LongtailError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.message.includes(file), `message should name ${file}: ${caught.message}`);
  assert.ok(!caught.message.includes('\n'), 'one line');
  if (message) {
    assert.match(caught.message, message);
  }
  assert.ok(Date.now() - started < ms, `took ${Date.now() - started} ms`);
  return caught;
}

function ownTempFolders(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith(`${tempFolderPrefix}${process.pid}-`));
}

describe('non-regular files are refused before a byte is read', () => {
  it('a FIFO as class names, as eval file and as an image fails at once instead of hanging', { skip: !posix }, async () => {
    const d = sub('fifo');
    const fifo = join(d, 'names.txt');
    execFileSync('mkfifo', [fifo]);
    await fails(() => readClassNamesFile(fifo), ErrorCode.NotRegularFile, fifo, /FIFO/);
    await fails(() => openDataset(fifo), ErrorCode.NotRegularFile, fifo);
    const images = sub('fifo-images/cat');
    const png = new PNG({ width: 2, height: 2 });
    png.data.fill(255);
    writeFileSync(join(images, 'a.png'), PNG.sync.write(png));
    const imageFifo = join(images, 'b.png');
    execFileSync('mkfifo', [imageFifo]);
    const ds = await openDataset(join(dir, 'fifo-images'));
    try {
      await fails(() => ds.readBatch(1, 1), ErrorCode.NotRegularFile, imageFifo);
    } finally {
      await ds.close();
    }
  });

  it('a symlink to /dev/zero as an image or a tensor file is a device, not read', { skip: !posix }, async () => {
    const d = sub('zero');
    const link = join(d, 'x.npy');
    symlinkSync('/dev/zero', link);
    await fails(() => readTensorFile(link), ErrorCode.NotRegularFile, link, /device/);
    await fails(() => readTextFile(link), ErrorCode.NotRegularFile, link);
  });

  it('a directory where a file is expected names it', async () => {
    const d = sub('adir.txt');
    await fails(() => readClassNamesFile(d), ErrorCode.NotRegularFile, d, /directory/);
  });
});

describe('containment is checked on real paths', () => {
  it('isInside accepts names that start with two dots and refuses parents', () => {
    assert.equal(isInside('/m', '/m/..weights.bin'), true);
    assert.equal(isInside('/m', '/m/sub/w.bin'), true);
    assert.equal(isInside('/m', '/m/../etc/passwd'.replace('/m/..', '')), false);
    assert.equal(isInside('/m', '/mx/w.bin'), false);
    assert.equal(isInside('/m', '/'), false);
  });

  it('a symlink out of the folder is OUTSIDE_FOLDER; a file inside is opened', { skip: !posix }, async () => {
    const d = sub('contain');
    const outside = writeFile(sub('contain-outside'), 'secret.txt', 'top secret');
    const link = join(d, 'names.txt');
    symlinkSync(outside, link);
    await fails(() => openForRead(link, { within: { folder: d, what: 'the workspace' } }), ErrorCode.OutsideFolder, link, /outside the workspace/);
    const inside = writeFile(d, '..names.txt', 'a\nb\n');
    const file = await openForRead(inside, { within: { folder: d, what: 'the workspace' } });
    assert.equal(file.size, 4);
    await file.handle.close();
  });
});

describe('files named in longtail.json stay in the workspace', () => {
  it('classNames pointing out of the workspace (by .. or by symlink) is OUTSIDE_FOLDER; inside it is accepted', { skip: !posix }, async () => {
    const outside = writeFile(sub('ws-outside'), 'names.txt', 'secret\n');
    const ws = sub('ws');
    writeFile(ws, 'longtail.json', JSON.stringify({ classNames: '../ws-outside/names.txt' }));
    await fails(() => readWorkspaceConfig(ws), ErrorCode.OutsideFolder, join(dir, 'ws-outside', 'names.txt'), /outside the workspace/);
    symlinkSync(outside, join(ws, 'names.txt'));
    writeFile(ws, 'longtail.json', JSON.stringify({ classNames: 'names.txt' }));
    await fails(() => readWorkspaceConfig(ws), ErrorCode.OutsideFolder, join(ws, 'names.txt'), /outside the workspace/);
    writeFile(ws, 'mine.txt', 'a\n');
    writeFile(ws, 'longtail.json', JSON.stringify({ classNames: 'mine.txt' }));
    assert.equal((await readWorkspaceConfig(ws)).classNames, 'mine.txt');
  });
});

describe('decompression is bounded by what the format declares', () => {
  it('an npz member declaring 168 bytes that inflates to 20 MB stops at the declared size', async () => {
    const npy = npyBytes('f4', [10], Array.from({ length: 10 }, (_, i) => i));
    const zip = zipBytes([{ name: 'labels.npy', data: Buffer.concat([npy, Buffer.alloc(20 * 1024 * 1024)]), deflate: true }]);
    // Patch the declared uncompressed size (local header +22, central directory +24) to the npy's real size.
    zip.writeUInt32LE(npy.length, 22);
    const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(npy.length, cd + 24);
    const file = writeFile(sub('bomb'), 'bomb.npz', zip);
    assert.ok(zip.length < 100_000, `the bomb is small (${zip.length} bytes)`);
    await fails(() => readTensorFile(file), ErrorCode.InvalidFile, file, /decompresses to more than the \d+ bytes its header declares/);
  });

  it('a zip entry that declares a size other than its npy header needs is refused before inflating', async () => {
    const npy = npyBytes('f4', [2], [1, 2]);
    const zip = zipBytes([{ name: 'x.npy', data: npy, deflate: true }]);
    zip.writeUInt32LE(3_000_000_000, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    const file = writeFile(sub('declared'), 'declared.npz', zip);
    await fails(() => readTensorFile(file), ErrorCode.InvalidFile, file, /declares 3000000000 bytes but its npy header/);
  });

  it('an npy header claiming 2 GB inside a deflated member is refused before inflating it', async () => {
    const npy = npyBytes('f4', [2], [1, 2], { version: 2 });
    npy.writeUInt32LE(2_000_000_000, 8);
    const file = writeFile(sub('npyheader'), 'h.npz', zipBytes([{ name: 'x.npy', data: Buffer.concat([npy, Buffer.alloc(8 * 1024 * 1024)]), deflate: true }]));
    await fails(() => readTensorFile(file), ErrorCode.InvalidFile, file, /implausible \.npy header length 2000000012/);
  });

  it('duplicate npz members are refused, naming the member', async () => {
    const a = npyBytes('i4', [1], [0]);
    const b = npyBytes('i4', [1], [1]);
    const file = writeFile(sub('dup'), 'dup.npz', zipBytes([{ name: 'labels.npy', data: a }, { name: 'labels.npy', data: b }]));
    await fails(() => readTensorFile(file), ErrorCode.InvalidFile, file, /'labels\.npy' appears twice/);
  });

  it('a gzip labels bomb stops at 8 + n bytes and names the labels file', async () => {
    const d = sub('gzlabels');
    writeFile(d, 'train-images-idx3-ubyte', idxImagesBytes(4, 2, 2, () => 1));
    const labels = writeFile(d, 'train-labels-idx1-ubyte.gz', gzip(Buffer.concat([idxLabelsBytes([0, 1, 0, 1]), Buffer.alloc(20 * 1024 * 1024)])));
    await fails(() => openDataset(join(d, 'train-images-idx3-ubyte')), ErrorCode.InvalidFile, labels, /decompresses to more than the 12 bytes/);
  });

  it('a gzip images file declaring more than the ceiling writes nothing to the temp folder', async () => {
    const d = sub('gzimages');
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x00000803, 0);
    header.writeUInt32BE(4_000_000, 4);
    header.writeUInt32BE(1000, 8);
    header.writeUInt32BE(1000, 12);
    const images = writeFile(d, 'train-images-idx3-ubyte.gz', gzip(Buffer.concat([header, Buffer.alloc(1024)])));
    writeFile(d, 'train-labels-idx1-ubyte', idxLabelsBytes([0]));
    const before = ownTempFolders();
    await fails(() => openDataset(images), ErrorCode.TooLarge, images, /LONGTAIL_MAX_INFLATE_MB/);
    assert.deepEqual(ownTempFolders(), before);
  });

  it('a gzip images file longer than its header declares is cut off and its temp folder removed', async () => {
    const d = sub('gzlong');
    const images = writeFile(d, 'train-images-idx3-ubyte.gz', gzip(Buffer.concat([idxImagesBytes(2, 2, 2, () => 3), Buffer.alloc(5 * 1024 * 1024)])));
    writeFile(d, 'train-labels-idx1-ubyte', idxLabelsBytes([0, 1]));
    await fails(() => openDataset(images), ErrorCode.InvalidFile, images, /decompresses to more than the 24 bytes/);
    assert.deepEqual(ownTempFolders(), []);
  });

  it('cancellation reaches a running gunzip: CANCELLED, and its temp folder is removed', async () => {
    const d = sub('gzcancel');
    const images = writeFile(d, 'train-images-idx3-ubyte.gz', gzip(idxImagesBytes(2000, 64, 64, (i) => i % 251)));
    writeFile(d, 'train-labels-idx1-ubyte', idxLabelsBytes(Array.from({ length: 2000 }, () => 0)));
    const signal = { isCancellationRequested: false };
    const opening = openDataset(images, { signal });
    signal.isCancellationRequested = true;
    await assert.rejects(opening, (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled);
    assert.deepEqual(ownTempFolders(), []);
  });

  it('a process that exits in the middle of a gunzip (second Ctrl-C) leaves no temp folder', { skip: !posix }, async () => {
    const d = sub('gzexit');
    const images = writeFile(d, 'train-images-idx3-ubyte.gz', gzip(idxImagesBytes(20000, 64, 64, (i) => i % 251)));
    writeFile(d, 'train-labels-idx1-ubyte', idxLabelsBytes(Array.from({ length: 20000 }, () => 0)));
    const script = [
      `const { openDataset } = require(${JSON.stringify(join(__dirname, '../../../src/engine/data/openDataset'))});`,
      `const { readdirSync } = require('node:fs');`,
      `const { tmpdir } = require('node:os');`,
      `openDataset(${JSON.stringify(images)}).catch(() => undefined);`,
      // Exit (as a second Ctrl-C does) once the decompressed copy is being written.
      `const t = setInterval(() => { const d = readdirSync(tmpdir()).find((n) => n.startsWith('longtail-inflate-' + process.pid + '-')); if (d && readdirSync(tmpdir() + '/' + d).length > 0) { clearInterval(t); console.log(process.pid); process.exit(130); } }, 1);`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 130, child.stderr);
    const out = child.stdout.trim();
    assert.match(out, /^\d+$/, 'the child saw its temp folder before exiting');
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith(`${tempFolderPrefix}${out}-`)), []);
  });

  it('inflateBuffer refuses output past the declared size and an in-memory cap over the limit', () => {
    const input = deflateRawSync(Buffer.alloc(1_000_000));
    assert.throws(() => inflateBuffer(input, { kind: 'deflate-raw', declared: 1000, file: 'f.npz', what: 'm' }), /decompresses to more than the 1000 bytes/);
    assert.equal(inflateBuffer(input, { kind: 'deflate-raw', declared: 1_000_000, file: 'f.npz', what: 'm' }).length, 1_000_000);
    const old = process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB;
    process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB = '0.5';
    try {
      assert.throws(() => inflateBuffer(input, { kind: 'deflate-raw', declared: 1_000_000, file: 'f.npz', what: 'm' }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.TooLarge);
    } finally {
      if (old === undefined) delete process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB;
      else process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB = old;
    }
  });

  it('a large deflated npz member streams through a temp file that close() removes', async () => {
    const values = Array.from({ length: 300_000 }, (_, i) => i % 7);
    const file = writeFile(sub('stream'), 'big.npz', npzBytes({ x: npyBytes('f4', [300_000], values) }, { deflate: true }));
    const old = process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB;
    process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB = '0.5';
    try {
      const [x] = await readTensorFile(file);
      assert.equal(x.data.length, 300_000);
      assert.equal(x.data[299_999], 299_999 % 7);
    } finally {
      if (old === undefined) delete process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB;
      else process.env.LONGTAIL_MAX_INFLATE_MEMORY_MB = old;
    }
    assert.deepEqual(ownTempFolders(), []);
  });

  it('stale temp folders of dead processes are swept; live ones are kept', async () => {
    const dead = join(tmpdir(), `${tempFolderPrefix}999999999-test`);
    const live = join(tmpdir(), `${tempFolderPrefix}${process.ppid}-test`);
    mkdirSync(dead, { recursive: true });
    mkdirSync(live, { recursive: true });
    try {
      assert.ok((await sweepStaleTempFolders()) >= 1);
      assert.equal(readdirSync(tmpdir()).includes(`${tempFolderPrefix}999999999-test`), false);
      assert.equal(readdirSync(tmpdir()).includes(`${tempFolderPrefix}${process.ppid}-test`), true);
    } finally {
      execFileSync('rm', ['-rf', dead, live]);
    }
  });
});

describe('images are capped in pixels before decoding', () => {
  it('a PNG whose IHDR declares 100000×100000 is TOO_LARGE without inflating', () => {
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png, 0);
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    png[24] = 8;
    png[25] = 6;
    assert.throws(() => decodeImageBytes(png, 'huge.png'), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.TooLarge && /huge\.png.*LONGTAIL_MAX_IMAGE_MPIXELS/.test(e.message));
  });
});

describe('silently wrong data is refused', () => {
  it('a list-file label of 4294967297 is an error, not class 1', () => {
    assert.throws(() => parseListFile('a.png 0\nb.png 4294967297\n', 'list.txt'), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidLabels && /list\.txt:2: label 4294967297 is too large/.test(e.message));
    assert.deepEqual(parseListFile('a.png 2147483647\n', 'list.txt'), [{ path: 'a.png', label: 2147483647 }]);
  });

  it('a file name that is not valid UTF-8 in a dataset folder names the folder', { skip: process.platform !== 'linux' }, async () => {
    const root = sub('badname');
    const cls = sub('badname/cat');
    writeFileSync(Buffer.from(`${cls}/\xff\xfe.png`, 'latin1'), Buffer.alloc(1));
    await fails(() => openDataset(root), ErrorCode.InvalidFile, cls, /not valid UTF-8/);
  });
});

describe('error codes for I/O faults', () => {
  it('maps write errors to their own codes naming the file', () => {
    const cases: [string, ErrorCode][] = [
      ['EROFS', ErrorCode.OutputNotWritable],
      ['EACCES', ErrorCode.OutputNotWritable],
      ['ELOOP', ErrorCode.OutputNotWritable],
      ['ENOSPC', ErrorCode.DiskFull],
      ['EDQUOT', ErrorCode.DiskFull],
      ['EEXIST', ErrorCode.OutputExists],
      ['EIO', ErrorCode.IoError],
    ];
    for (const [code, expected] of cases) {
      const e = outputError(Object.assign(new Error(code), { code }), '/out/report.json');
      assert.equal(e.code, expected, code);
      assert.equal(e.file, '/out/report.json');
      assert.ok(e.isUserInputError, `${code} is the user's, not a bug`);
    }
  });

  it('two runs racing to one output folder: the second gets OUTPUT_EXISTS naming it, not INTERNAL', async () => {
    const out = join(sub('race'), 'finetune-out');
    await fails(
      () =>
        writeDirAtomic(out, async (tmp) => {
          writeFileSync(join(tmp, 'model.json'), '{}');
          // The other run finishes first.
          mkdirSync(out);
          writeFileSync(join(out, 'model.json'), '{}');
        }),
      ErrorCode.OutputExists,
      out,
    );
    assert.deepEqual(readdirSync(join(dir, 'race')), ['finetune-out'], 'no temporary folder left');
  });

  it('an output whose parent is a regular file is a typed error naming the output', async () => {
    const parent = writeFile(sub('parentfile'), 'not-a-folder', 'x');
    const out = join(parent, 'report.json');
    await fails(() => writeFileAtomic(out, '{}'), ErrorCode.OutputExists, out, /something already exists in the way/);
  });

  it('reads limits from the environment and rejects malformed values', () => {
    assert.equal(readLimits({ LONGTAIL_MAX_FILE_MB: '2' }).wholeFileBytes, 2 * 1024 * 1024);
    assert.equal(readLimits({}).imagePixels, 64e6);
    assert.throws(() => readLimits({ LONGTAIL_MAX_IMAGE_MPIXELS: 'lots' }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption && /LONGTAIL_MAX_IMAGE_MPIXELS/.test(e.message));
  });

  it('a text file over the limit is TOO_LARGE before it is read', async () => {
    const file = writeFile(sub('big'), 'names.txt', 'x\n'.repeat(1024 * 1024));
    const old = process.env.LONGTAIL_MAX_FILE_MB;
    process.env.LONGTAIL_MAX_FILE_MB = '1';
    try {
      await fails(() => readClassNamesFile(file), ErrorCode.TooLarge, file, /LONGTAIL_MAX_FILE_MB/);
    } finally {
      if (old === undefined) delete process.env.LONGTAIL_MAX_FILE_MB;
      else process.env.LONGTAIL_MAX_FILE_MB = old;
    }
  });

  it('a UTF-8 byte-order mark is dropped from text files', async () => {
    const file = writeFile(sub('bom'), 'names.json', '\ufeff["a","b"]');
    assert.deepEqual(await readClassNamesFile(file), ['a', 'b']);
  });
});
