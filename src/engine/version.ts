/** The product version, from package.json (bundled at build time). */
import { version } from '../../package.json';

/** Long-Tail Lens version string. */
export const longtailVersion: string = version;
