/** Which eval examples a click on a class, a confusion cell or a projected point opens (pure data shaping). */
import type { Report } from '../../../src/protocol/report';

/** One example to show: what the report knows about it (thumbnails and files come later, from the host). */
export interface DrillDownItem {
  readonly index: number;
  readonly label: number;
  /** The predicted class when known (mistakes), else null. */
  readonly predicted: number | null;
  /** Max softmax of that prediction when known, else null. */
  readonly confidence: number | null;
}

/** A drill-down: a title, its examples, and a note when the report holds none. */
export interface DrillDown {
  readonly title: string;
  readonly items: readonly DrillDownItem[];
  /** Shown when there is nothing to show, or to say what the list is. */
  readonly note: string;
  /** The class whose precision–recall curve to show beside the examples (class drill-downs). */
  readonly classIndex?: number;
}

/** The most confident mistakes of class `y` (report.classes[y].examples). */
export function classDrillDown(report: Report, y: number): DrillDown {
  const cls = report.classes[y];
  const name = cls?.name ?? `#${y}`;
  const examples = cls?.examples;
  if (examples === undefined) {
    return { title: `Class “${name}”`, items: [], note: 'This report keeps no examples (it was written before drill-down existed): analyse again to see them.' };
  }
  const items = examples.map((e) => ({ index: e.index, label: y, predicted: e.predicted, confidence: e.confidence }));
  return {
    title: `Class “${name}”: most confident mistakes`,
    classIndex: y,
    items,
    note: items.length ? `${items.length} misclassified eval example${items.length === 1 ? '' : 's'}, most confident first.` : 'No misclassified eval example of this class.',
  };
}

/** The examples of true class `t` predicted as `p`, when that pair is among the report's top pairs. */
export function pairDrillDown(report: Report, t: number, p: number): DrillDown {
  const name = (k: number): string => report.classes[k]?.name ?? `#${k}`;
  const title = `True “${name(t)}” predicted as “${name(p)}”`;
  if (t === p) return classDrillDown(report, t);
  const pair = report.confusion.topPairs.find((q) => q.trueClass === t && q.predictedClass === p);
  if (!pair) {
    return { title, items: [], note: `Examples are kept for the ${report.confusion.topPairs.length} most frequent confusions; this cell is not one of them.` };
  }
  if (pair.examples === undefined) {
    return { title, items: [], note: 'This report keeps no examples (it was written before drill-down existed): analyse again to see them.' };
  }
  const confidences = new Map((report.classes[t]?.examples ?? []).map((e) => [e.index, e.confidence]));
  const items = pair.examples.map((index) => ({ index, label: t, predicted: p, confidence: confidences.get(index) ?? null }));
  return { title, items, note: `${items.length} of ${pair.count} example${pair.count === 1 ? '' : 's'}, most confident first.` };
}

/** One projected eval example (its class from the projection, prediction unknown). */
export function pointDrillDown(report: Report, index: number, label: number): DrillDown {
  const name = report.classes[label]?.name ?? `#${label}`;
  return { title: `Eval example ${index} (class “${name}”)`, items: [{ index, label, predicted: null, confidence: null }], note: 'The projected example.' };
}
