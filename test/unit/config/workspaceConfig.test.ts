import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseWorkspaceConfig, readWorkspaceConfig } from '../../../src/engine/config/workspaceConfig';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

describe('longtail.json', () => {
  it('an absent file is an empty configuration', async () => {
    assert.deepEqual(await readWorkspaceConfig(mkdtempSync(join(tmpdir(), 'lt-cfg-'))), {});
  });

  it('reads a valid file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-cfg-'));
    const cfg = { preprocessing: { scale: 'unit', mean: [0.5], std: [0.25], resize: { height: 32, width: 32, method: 'nearest' } }, buckets: { many: 50, few: 5 }, lastAnalysis: { model: 'm/model.json', eval: 'data' } };
    writeFileSync(join(dir, 'longtail.json'), JSON.stringify(cfg));
    assert.deepEqual(await readWorkspaceConfig(dir), cfg);
  });

  it('names the file and every problem in one INVALID_FILE error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-cfg-'));
    writeFileSync(join(dir, 'longtail.json'), '{ "preprocessing": { "std": [0], "channelOrder": "gbr" }, "unknown": 1 }');
    await assert.rejects(readWorkspaceConfig(dir), (e: unknown) => {
      assert.ok(e instanceof LongtailError);
      assert.equal(e.code, ErrorCode.InvalidFile);
      assert.ok(e.message.startsWith(join(dir, 'longtail.json')));
      assert.match(e.message, /\/preprocessing\/std\/0 must be > 0/);
      assert.match(e.message, /channelOrder must be equal to one of the allowed values/);
      assert.match(e.message, /must NOT have additional properties/);
      return true;
    });
    writeFileSync(join(dir, 'longtail.json'), '{ not json');
    await assert.rejects(readWorkspaceConfig(dir), (e: unknown) => e instanceof LongtailError && /not valid JSON/.test(e.message));
  });

  it('rejects mean and std of different lengths', () => {
    assert.throws(() => parseWorkspaceConfig({ preprocessing: { mean: [0.1, 0.2, 0.3], std: [0.5] } }, 'longtail.json'), /same length/);
  });
});
