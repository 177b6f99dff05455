/** `npm run generate:validator`: writes src/protocol/generated/reportValidator.{js,d.ts} from report.schema.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { reportValidatorPaths, reportValidatorSource } from './reportValidatorSource';

const { js, dts } = reportValidatorSource();
mkdirSync(path.dirname(reportValidatorPaths.js), { recursive: true });
writeFileSync(reportValidatorPaths.js, js);
writeFileSync(reportValidatorPaths.dts, dts);
console.log(`wrote ${path.relative(process.cwd(), reportValidatorPaths.js)} (${js.length} characters) and its .d.ts`);
