import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseChannelValues, shouldAskPreprocessing, withPreprocessingEntry } from '../../../src/extension/preprocessingChoice';

describe('preprocessing question (vscode-free part)', () => {
  it('asks for raw-input models on image data without a preprocessing entry only', () => {
    assert.equal(shouldAskPreprocessing({}, '/w/model.onnx', '/w/data'), true);
    assert.equal(shouldAskPreprocessing({ lastAnalysis: {} }, '/w/m/model.json', '/w/test.txt'), true);
    assert.equal(shouldAskPreprocessing({ preprocessing: {} }, '/w/model.onnx', '/w/data'), false, 'configured (even as {})');
    assert.equal(shouldAskPreprocessing({}, '/w/head.pth', '/w/data'), false, 'a head takes features');
    assert.equal(shouldAskPreprocessing({}, '/w/model.onnx', '/w/features.npz'), false);
    assert.equal(shouldAskPreprocessing({}, '/w/model.onnx', '/w/f-00000-of-00008.safetensors'), false);
    assert.equal(shouldAskPreprocessing({}, undefined, '/w/logits.npz'), false, 'no model');
  });

  it('validates custom mean/std per channel', () => {
    assert.deepEqual(parseChannelValues('0.485, 0.456,0.406', 3, 'mean', false), [0.485, 0.456, 0.406]);
    assert.deepEqual(parseChannelValues('0.2860', 1, 'mean', false), [0.286]);
    assert.match(parseChannelValues('0.5, x', 3, 'mean', false) as string, /comma-separated numbers/);
    assert.match(parseChannelValues('0.5, 0.5', 3, 'mean', false) as string, /3 values, one per channel of the images \(got 2\)/);
    assert.match(parseChannelValues('0.3, 0, 0.2', 3, 'std', true) as string, /greater than 0/);
    assert.match(parseChannelValues('', 1, 'std', true) as string, /comma-separated/);
  });

  it('writes preprocessing keeping the other keys, their order and the indentation', () => {
    const text = '{\n    "$schema": "./longtail.schema.json",\n    "classNames": "names.json",\n    "lastAnalysis": { "model": "m.onnx", "eval": "data" }\n}\n';
    const out = withPreprocessingEntry(text, { mean: [0.286], std: [0.353] });
    assert.ok(out);
    assert.deepEqual(Object.keys(JSON.parse(out) as object), ['$schema', 'classNames', 'lastAnalysis', 'preprocessing']);
    assert.match(out, /^\{\n {4}"\$schema"/);
    assert.deepEqual((JSON.parse(out) as { preprocessing: unknown }).preprocessing, { mean: [0.286], std: [0.353] });
    const replaced = withPreprocessingEntry('{"preprocessing": {"scale": "none"}, "buckets": {"many": 5}}', { scale: 'unit' });
    assert.deepEqual(JSON.parse(replaced!), { preprocessing: { scale: 'unit' }, buckets: { many: 5 } });
    // The probe's "Use <preset>": only the normalisation changes; resize/channels/channelOrder stay as configured.
    const probed = withPreprocessingEntry('{"preprocessing": {"resize": {"height": 224, "width": 224}, "channels": 3, "mean": [0.5], "std": [0.5]}}', { scale: 'unit', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }, true);
    assert.deepEqual(JSON.parse(String(probed)).preprocessing, { resize: { height: 224, width: 224 }, channels: 3, scale: 'unit', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    assert.deepEqual(JSON.parse(String(withPreprocessingEntry('{"preprocessing": {"resize": {"height": 8, "width": 8}}}', { scale: 'unit' }))).preprocessing, { scale: 'unit' }, 'without the flag the entry is replaced');
    assert.equal(withPreprocessingEntry('{ not json', {}), null);
    assert.equal(withPreprocessingEntry('[1, 2]', {}), null);
    assert.equal(withPreprocessingEntry(undefined, {}), '{\n  "preprocessing": {}\n}\n');
  });
});
