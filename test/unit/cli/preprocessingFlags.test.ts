import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parsePreprocessingFlags } from '../../../src/cli/preprocessingFlags';
import { UsageError } from '../../../src/cli/usageError';

describe('preprocessing flags', () => {
  it('parses every flag into the longtail.json shape, and only the given ones', () => {
    assert.deepEqual(parsePreprocessingFlags({}), {});
    assert.deepEqual(
      parsePreprocessingFlags({ scale: 'none', resize: '32x24:nearest', channels: '3', 'channel-order': 'bgr', mean: '0.4914, 0.4822,0.4465', std: '0.247,0.243,0.261' }),
      { scale: 'none', resize: { height: 32, width: 24, method: 'nearest' }, channels: 3, channelOrder: 'bgr', mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.243, 0.261] },
    );
    assert.deepEqual(parsePreprocessingFlags({ resize: '224x224' }), { resize: { height: 224, width: 224 } });
  });

  it('rejects malformed values as usage errors', () => {
    for (const bad of [{ scale: '255' }, { resize: '32' }, { resize: '32x32:cubic' }, { channels: '2' }, { 'channel-order': 'gbr' }, { mean: '0.5,x' }]) {
      assert.throws(() => parsePreprocessingFlags(bad), UsageError, JSON.stringify(bad));
    }
  });
});
