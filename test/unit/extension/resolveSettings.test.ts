import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { describeSettings, resolveSettings, type SettingInspection } from '../../../src/extension/settings/resolveSettings';
import { parseJsonText } from '../../../src/extension/parseJsonText';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

/** What `config.inspect()` returns when nothing is set: only the contributed default. */
const contributed: Record<string, SettingInspection> = {
  batchSize: { defaultValue: 256 },
  manyThreshold: { defaultValue: 100 },
  fewThreshold: { defaultValue: 20 },
  confusionMatrixLimit: { defaultValue: 100 },
};
const file = (content: Record<string, unknown>) => ({ path: '/ws/longtail.json', content });

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof LongtailError && e.code === code && message.test(e.message));
}

describe('settings order: defaults < longtail.json < explicit settings < command arguments', () => {
  it('nothing set: the contributed defaults', () => {
    const r = resolveSettings({ inspect: contributed });
    assert.deepEqual(r.values, { batchSize: 256, manyThreshold: 100, fewThreshold: 20, confusionMatrixLimit: 100, umapPoints: 5000 });
    assert.deepEqual(r.sources, { batchSize: 'default', manyThreshold: 'default', fewThreshold: 'default', confusionMatrixLimit: 'default', umapPoints: 'default' });
  });

  it('longtail.json bucket thresholds beat the contributed defaults (the bug: config.get returned 100 and hid them)', () => {
    const r = resolveSettings({ inspect: contributed, file: file({ buckets: { many: 50, few: 5 } }) });
    assert.equal(r.values.manyThreshold, 50);
    assert.equal(r.values.fewThreshold, 5);
    assert.equal(r.sources.manyThreshold, 'longtail.json');
    assert.equal(r.values.batchSize, 256);
    assert.equal(describeSettings(r), 'batchSize 256 (default), manyThreshold 50 (longtail.json), fewThreshold 5 (longtail.json), confusionMatrixLimit 100 (default), umapPoints 5000 (default)');
  });

  it('a setting explicitly set (even to the default value) beats longtail.json; folder > workspace > user', () => {
    const inspect = {
      ...contributed,
      manyThreshold: { defaultValue: 100, globalValue: 100 },
      fewThreshold: { defaultValue: 20, globalValue: 3, workspaceValue: 7 },
      batchSize: { defaultValue: 256, globalValue: 64, workspaceValue: 128, workspaceFolderValue: 32 },
    };
    const r = resolveSettings({ inspect, file: file({ buckets: { many: 50, few: 5 } }) });
    assert.deepEqual(r.values, { batchSize: 32, manyThreshold: 100, fewThreshold: 7, confusionMatrixLimit: 100, umapPoints: 5000 });
    assert.deepEqual(r.sources, { batchSize: 'folder settings', manyThreshold: 'user settings', fewThreshold: 'workspace settings', confusionMatrixLimit: 'default', umapPoints: 'default' });
  });

  it('a single-folder workspace (the same value as workspace and folder value) is named workspace settings', () => {
    const r = resolveSettings({ inspect: { ...contributed, manyThreshold: { defaultValue: 100, workspaceValue: 50, workspaceFolderValue: 50 } } });
    assert.equal(r.values.manyThreshold, 50);
    assert.equal(r.sources.manyThreshold, 'workspace settings');
  });

  it('command arguments beat everything; an array (the explorer menu passes selected URIs) and unknown keys are ignored', () => {
    const inspect = { ...contributed, manyThreshold: { defaultValue: 100, workspaceValue: 80 } };
    const r = resolveSettings({ inspect, file: file({ buckets: { many: 50 } }), args: { manyThreshold: 30, confusionMatrixLimit: 12, other: 'x' } });
    assert.deepEqual(r.values, { batchSize: 256, manyThreshold: 30, fewThreshold: 20, confusionMatrixLimit: 12, umapPoints: 5000 });
    assert.equal(r.sources.manyThreshold, 'command argument');
    assert.deepEqual(resolveSettings({ inspect, args: [{ manyThreshold: 1 }] }).values.manyThreshold, 80);
  });

  it('no contributed default at all falls back to the built-in one', () => {
    assert.equal(resolveSettings({ inspect: {} }).values.confusionMatrixLimit, 100);
  });

  it('invalid values are typed errors naming where they are', () => {
    rejects(() => resolveSettings({ inspect: contributed, file: file({ buckets: { many: 'lots' } }) }), ErrorCode.InvalidFile, /^\/ws\/longtail\.json: buckets\.many must be an integer of at least 1, not "lots"$/);
    rejects(() => resolveSettings({ inspect: contributed, file: file({ buckets: [1] }) }), ErrorCode.InvalidFile, /^\/ws\/longtail\.json: "buckets" must be an object/);
    rejects(() => resolveSettings({ inspect: { ...contributed, batchSize: { defaultValue: 256, workspaceValue: 0 } } }), ErrorCode.InvalidOption, /^workspace settings: longtail\.batchSize must be an integer of at least 1, not 0$/);
    rejects(() => resolveSettings({ inspect: contributed, args: { confusionMatrixLimit: 1.5 } }), ErrorCode.InvalidOption, /^command argument confusionMatrixLimit must be an integer of at least 2, not 1\.5$/);
  });

  it('umapPoints: 0 turns UMAP off, a negative count is refused', () => {
    assert.equal(resolveSettings({ inspect: { ...contributed, umapPoints: { defaultValue: 5000, globalValue: 0 } } }).values.umapPoints, 0);
    rejects(() => resolveSettings({ inspect: { ...contributed, umapPoints: { defaultValue: 5000, globalValue: -1 } } }), ErrorCode.InvalidOption, /^user settings: longtail\.umapPoints must be an integer of at least 0, not -1$/);
  });
});

describe('parseJsonText', () => {
  it('parses JSON (with a BOM) and turns bad JSON into INVALID_FILE naming the file', () => {
    assert.deepEqual(parseJsonText('\ufeff{"a": 1}', '/ws/r.json'), { a: 1 });
    rejects(() => parseJsonText('{"a": ', '/ws/r.json'), ErrorCode.InvalidFile, /^\/ws\/r\.json: not valid JSON \(.+\)$/);
    rejects(() => parseJsonText('  \n', '/ws/r.json'), ErrorCode.InvalidFile, /^\/ws\/r\.json: the file is empty \(expected JSON\)$/);
  });
});
