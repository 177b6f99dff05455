import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ErrorCode, isEngineErrorData, LongtailError, toLongtailError } from '../../../src/protocol/errors';

describe('LongtailError', () => {
  it('survives the wire: toData then fromData keeps code, message, file and detail', () => {
    const original = new LongtailError(ErrorCode.InvalidFile, 'weights.bin: shard is truncated (expected 4096 bytes, got 100)', {
      file: '/ws/model/weights.bin',
      detail: 'tail',
    });
    const wire = JSON.parse(JSON.stringify(original.toData()));
    assert.ok(isEngineErrorData(wire));
    const back = LongtailError.fromData(wire);
    assert.equal(back.code, ErrorCode.InvalidFile);
    assert.equal(back.message, original.message);
    assert.equal(back.file, '/ws/model/weights.bin');
    assert.equal(back.detail, 'tail');
    assert.equal(back.isUserInputError, true);
  });

  it('classifies user-input errors apart from cancellation, engine exits and bugs', () => {
    assert.equal(new LongtailError(ErrorCode.FileNotFound, 'x').isUserInputError, true);
    assert.equal(new LongtailError(ErrorCode.Cancelled, 'x').isUserInputError, false);
    assert.equal(new LongtailError(ErrorCode.EngineExited, 'x').isUserInputError, false);
    assert.equal(new LongtailError(ErrorCode.Internal, 'x').isUserInputError, false);
  });

  it('rejects malformed error data', () => {
    assert.equal(isEngineErrorData({ code: 'NOPE', message: 'x' }), false);
    assert.equal(isEngineErrorData({ code: ErrorCode.Internal }), false);
    assert.equal(isEngineErrorData(null), false);
    assert.equal(isEngineErrorData('error'), false);
  });

  it('wraps foreign errors as INTERNAL and passes typed ones through', () => {
    const typed = new LongtailError(ErrorCode.Cancelled, 'cancelled');
    assert.equal(toLongtailError(typed), typed);
    const wrapped = toLongtailError(new TypeError('boom'));
    assert.equal(wrapped.code, ErrorCode.Internal);
    assert.match(wrapped.message, /boom/);
    assert.ok(wrapped.cause instanceof TypeError);
    assert.equal(toLongtailError('plain string').message, 'internal error: plain string');
  });
});
