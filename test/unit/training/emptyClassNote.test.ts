// The fine-tune note for classes without training examples: which classes, how many the eval data has, and why
// Adam's ε decides their scores (the cause of a 97.8% vs 48.1% balanced error gap against PyTorch's default ε).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { emptyClassNote } from '../../../src/engine/training/emptyClassNote';

describe('emptyClassNote', () => {
  it('is null when every class has a training example', () => {
    assert.equal(emptyClassNote([3, 1, 7], [0, 1, 2], 'adam', true), null);
  });

  it("names the empty classes, counts those in eval, and points at Adam's ε", () => {
    const note = emptyClassNote([5, 0, 2, 0, 0], [0, 1, 1, 3, 2], 'adam', true);
    assert.equal(
      note,
      "3 classes have no training examples (1, 3, 4; 2 in the eval data): the prior offset leaves their gradients ≈ 0, so their scores move only through Adam's ε (1e-7, TF.js's default; PyTorch's default 1e-8 moves them about 10× further) and their predictions and the balanced error can differ from a PyTorch run",
    );
  });

  it('lists at most 12 ids, speaks of weight decay under SGD, and of being pushed down without a prior offset', () => {
    const counts = new Int32Array(40); // all empty but class 0
    counts[0] = 10;
    const note = emptyClassNote(counts, [], 'sgd', true);
    assert.ok(note?.startsWith('39 classes have no training examples (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, …; 0 in the eval data): the prior offset leaves their gradients ≈ 0, so only weight decay moves'), note ?? 'null');
    assert.equal(emptyClassNote([0, 4], [0], 'adam', false), '1 class has no training examples (0; 1 in the eval data): every training example pushes their scores down and none pulls them up, so they are rarely predicted');
  });
});
