/**
 * The one place the engine imports TF.js. `@tensorflow/*` stays external to the bundles (see
 * esbuild.config.mjs) so that a native backend loaded later with a dynamic `require`
 * (`@tensorflow/tfjs-node(-gpu)`) registers itself on this very instance of tfjs-core.
 */
import * as tf from '@tensorflow/tfjs';

// tfjs prints a banner recommending tfjs-node on first use of the cpu backend; the engine reports
// backend choices itself (engine/info), so silence TF.js's console warnings.
tf.env().set('PROD', true);

export { tf };

/** The TF.js namespace type. */
export type Tf = typeof tf;
