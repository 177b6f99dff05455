/**
 * Image preprocessing options, as given in longtail.json's `preprocessing` or by CLI flags, and recorded
 * verbatim in every report. Order and formulas: src/engine/data/imagePreprocessing.ts.
 */
export interface PreprocessingOptions {
  /** `unit` (default): uint8 / 255 → [0, 1]. `none`: keep raw values. */
  readonly scale?: 'unit' | 'none';
  /** Output size; omitted keeps the stored size. */
  readonly resize?: { readonly height: number; readonly width: number; readonly method?: 'bilinear' | 'nearest' };
  /** Output channels (1 or 3); default: the data's own. */
  readonly channels?: 1 | 3;
  /** `rgb` (default) or `bgr`. */
  readonly channelOrder?: 'rgb' | 'bgr';
  /** Per-channel mean subtracted after scaling. */
  readonly mean?: readonly number[];
  /** Per-channel standard deviation divided by after subtracting the mean. */
  readonly std?: readonly number[];
}
