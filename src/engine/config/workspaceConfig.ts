/**
 * Reads and validates the workspace file `longtail.json` (schema: src/protocol/longtail.schema.json,
 * which VS Code also uses to complete and validate the file as the user types).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import schema from '../../protocol/longtail.schema.json';
import type { ImagePreprocessing } from '../data/imagePreprocessing';
import { resolveWithin } from '../io/fileAccess';

/** The contents of longtail.json. */
export interface WorkspaceConfig {
  readonly preprocessing?: ImagePreprocessing;
  readonly buckets?: { readonly many?: number; readonly few?: number };
  readonly embeddingNode?: string;
  readonly headKey?: string;
  readonly classNames?: string;
  readonly lastAnalysis?: { readonly model: string; readonly eval: string; readonly train?: string; readonly classCounts?: string };
  readonly watch?: readonly string[];
}

/** The file name looked for in a workspace folder. */
export const workspaceConfigName = 'longtail.json';

const validate = new Ajv({ allErrors: true, strict: false }).compile<WorkspaceConfig>(schema);

/** Validates parsed JSON against the schema; throws INVALID_FILE listing every problem. */
export function parseWorkspaceConfig(value: unknown, file: string): WorkspaceConfig {
  if (validate(value)) {
    const cfg = value;
    if (cfg.preprocessing?.mean && cfg.preprocessing.std && cfg.preprocessing.mean.length !== cfg.preprocessing.std.length) {
      throw new LongtailError(ErrorCode.InvalidFile, `${file}: preprocessing.mean and preprocessing.std must have the same length`, { file });
    }
    return cfg;
  }
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  throw new LongtailError(ErrorCode.InvalidFile, `${file}: ${problems.join('; ')}`, { file });
}

/** Reads `<dir>/longtail.json`; an absent file is an empty configuration. */
export async function readWorkspaceConfig(dir: string): Promise<WorkspaceConfig> {
  const file = path.join(dir, workspaceConfigName);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return {};
    }
    throw new LongtailError(ErrorCode.InvalidFile, `${file}: cannot be read (${(error as Error).message})`, { file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LongtailError(ErrorCode.InvalidFile, `${file}: not valid JSON (${(error as Error).message})`, { file });
  }
  const config = parseWorkspaceConfig(parsed, file);
  if (config.classNames !== undefined) {
    // Files named in longtail.json stay in the workspace (by real path): their content lands in reports.
    await resolveWithin(path.resolve(dir, config.classNames), { folder: dir, what: `the workspace (classNames in ${file})` });
  }
  return config;
}
