/**
 * What the dashboard header says about report.json's `preprocessingProbe` (issue #15): the model's top-1 accuracy
 * on a seeded, class-stratified eval sample under the configured preprocessing and under each preset. A model
 * analysed with the wrong normalisation gives plausible but wrong numbers, so a clearly better preset is a warning
 * (the rule is the engine's; the header only shows its verdict), and the figures are always one hover away.
 */
import type { PreprocessingProbeResult } from '../../../src/protocol/preprocessing';
import { presetLabel } from '../../../src/protocol/preprocessingPresets';

/** The header's probe line: `text` shown, `title` the per-preset figures, `warning` when a preset is clearly better. */
export interface ProbeSummary {
  readonly text: string;
  readonly title: string;
  readonly warning: boolean;
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** Summarises a probe result, or null when the report has none (feature inputs, `--no-probe`, older reports). */
export function probeSummary(probe: PreprocessingProbeResult | undefined): ProbeSummary | null {
  if (!probe || probe.entries.length === 0) return null;
  const configured = probe.entries.find((e) => e.preset === 'configured');
  const title = `Accuracy on a ${probe.sampleSize}-example eval sample (seed ${probe.seed}): ` + probe.entries.map((e) => `${presetLabel(e.preset)} ${pct(e.accuracy)}`).join('; ');
  if (probe.suggestion) {
    const best = probe.entries.find((e) => e.preset === probe.suggestion);
    const figures = best && configured ? ` (${pct(best.accuracy)} vs ${pct(configured.accuracy)} on ${probe.sampleSize} examples)` : '';
    return { text: `probe: the model probably expects ${presetLabel(probe.suggestion)}${figures}`, title, warning: true };
  }
  return { text: `probe: no preset is clearly better${configured ? ` (configured ${pct(configured.accuracy)} on ${probe.sampleSize} examples)` : ''}`, title, warning: false };
}
