import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { looksLikeText } from '../../../src/extension/fileKind';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('showError "Open file": text or binary', () => {
  it('JSON, CSV and list files are text (UTF-8 included)', () => {
    assert.equal(looksLikeText('/ws/report.json', text('{"schemaVersion": 1,\n\t"a": "τ"}\r\n')), true);
    assert.equal(looksLikeText('/ws/train.txt', text('img/1.png 3\n')), true);
    assert.equal(looksLikeText('/ws/empty.json', new Uint8Array(0)), true);
  });

  it('NUL bytes, many control bytes, or a binary extension make it binary', () => {
    assert.equal(looksLikeText('/ws/labels', new Uint8Array([0x7b, 0x00, 0x7d])), false);
    assert.equal(looksLikeText('/ws/blob', new Uint8Array([1, 2, 3, 4, 65, 66])), false);
    assert.equal(looksLikeText('/ws/m/group1-shard1of1.bin', text('looks like text')), false);
    assert.equal(looksLikeText('/ws/head.safetensors', text('{"fc.weight": {}}')), false);
    assert.equal(looksLikeText('/ws/data/train-images-idx3-ubyte', text('abc')), false);
  });
});
