import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../../src/engine/compute/tf';
import { detectModelFormat } from '../../../src/engine/model/detectModelFormat';
import { loadClassifierModel } from '../../../src/engine/model/loadClassifierModel';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { makeTempDir, saveTinyGraphModel, saveTinyLayersModel } from '../../fixtures/tinyModels';

const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof LongtailError && e.code === code && (re === undefined || re.test(e.message));

describe('detectModelFormat / loadClassifierModel', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = await makeTempDir();
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('tells LayersModel from GraphModel by content, for a file or its directory, under any name', async () => {
    const layers = await saveTinyLayersModel(path.join(root, 'layers'));
    const graph = await saveTinyGraphModel(path.join(root, 'graph'));
    assert.equal((await detectModelFormat(layers)).format, 'layers-model');
    assert.equal((await detectModelFormat(path.dirname(layers))).format, 'layers-model');
    assert.equal((await detectModelFormat(graph)).format, 'graph-model');
    const renamed = path.join(root, 'graph', 'checkpoint.txt');
    await fs.copyFile(graph, renamed);
    assert.equal((await detectModelFormat(renamed)).format, 'graph-model');
    // A Keras topology without the `format` field is still a LayersModel.
    const json = JSON.parse(await fs.readFile(layers, 'utf8')) as Record<string, unknown>;
    delete json.format;
    const old = path.join(root, 'layers', 'old.json');
    await fs.writeFile(old, JSON.stringify(json));
    assert.equal((await detectModelFormat(old)).format, 'layers-model');
  });

  it('explains a SavedModel without the native backend: BACKEND_UNAVAILABLE with the converter command', async () => {
    const dir = path.join(root, 'saved');
    await fs.mkdir(path.join(dir, 'variables'), { recursive: true });
    await fs.writeFile(path.join(dir, 'saved_model.pb'), Buffer.from([8, 1]));
    assert.equal((await detectModelFormat(dir)).format, 'saved-model');
    await assert.rejects(loadClassifierModel(dir), isCode(ErrorCode.BackendUnavailable, /tensorflowjs_converter --input_format=tf_saved_model/));
  });

  it('names unknown and foreign formats', async () => {
    const h5 = path.join(root, 'model.h5');
    await fs.writeFile(h5, Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
    await assert.rejects(detectModelFormat(h5), isCode(ErrorCode.UnknownFormat, /--input_format=keras/));
    const notModel = path.join(root, 'config.json');
    await fs.writeFile(notModel, '{"a": 1}');
    await assert.rejects(detectModelFormat(notModel), isCode(ErrorCode.UnknownFormat));
    const junk = path.join(root, 'junk.dat');
    await fs.writeFile(junk, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await assert.rejects(detectModelFormat(junk), isCode(ErrorCode.UnknownFormat));
    await assert.rejects(detectModelFormat(path.join(root, 'nope')), isCode(ErrorCode.FileNotFound));
    const empty = path.join(root, 'emptydir');
    await fs.mkdir(empty);
    await assert.rejects(detectModelFormat(empty), isCode(ErrorCode.UnknownFormat));
  });
});
