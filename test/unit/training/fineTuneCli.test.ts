import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import { parseLossOptions } from '../../../src/cli/commands/fineTune';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) }, { isCancellationRequested: false });
  return { code, out, err };
}

describe('longtail finetune (argument parsing)', () => {
  it('prints its usage and is listed in the main help', async () => {
    const help = await cli(['finetune', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /--loss <name>\s+ce \| la \| balanced-softmax \| ldam \| ldam-drw \| cb \| eql \| elm/);
    assert.match((await cli(['--help'])).out, /finetune\s+Fine-tune a checkpoint/);
  });

  it('rejects missing and malformed options with exit code 2', async () => {
    const missing = await cli(['finetune', '--model', 'm.npz', '--train', 't.npz', '--loss', 'la']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /finetune needs --model, --train, --loss and --out/);
    const badOption = await cli(['finetune', '--model', 'm', '--train', 't', '--loss', 'la', '--out', 'o', '--loss-option', 'tau']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.err, /--loss-option takes name=number \(got 'tau'\)/);
    const badScope = await cli(['finetune', '--model', 'm', '--train', 't', '--loss', 'la', '--out', 'o', '--scope', 'body']);
    assert.equal(badScope.code, 2);
    assert.match(badScope.err, /--scope must be head or adapter or last-block or all/);
    const badEpochs = await cli(['finetune', '--model', 'm', '--train', 't', '--loss', 'la', '--out', 'o', '--epochs', '1.5']);
    assert.equal(badEpochs.code, 2);
    assert.match(badEpochs.err, /--epochs must be an integer/);
  });

  it('parses repeated name=value loss options', () => {
    assert.deepEqual(parseLossOptions(['maxMargin=0.3', 'scale=10', 'beta=1e-3']), { maxMargin: 0.3, scale: 10, beta: 0.001 });
    assert.throws(() => parseLossOptions(['x=abc']), /name=number/);
  });
});
