// The committed src/protocol/generated/reportValidator.{js,d.ts} is what `npm run generate:validator`
// writes from the current report.schema.json (so a schema edit without regenerating fails here), and
// the generated code stays free of eval and runtime imports (webview CSP, src/protocol purity).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { reportSchemaPath, reportValidatorPaths, reportValidatorSource } from '../../../scripts/reportValidatorSource';

describe('generated report validator', () => {
  const fresh = reportValidatorSource();

  it('is up to date with report.schema.json (run `npm run generate:validator` after editing the schema)', () => {
    assert.ok(readFileSync(reportValidatorPaths.js, 'utf8') === fresh.js, `${reportValidatorPaths.js} is stale: run npm run generate:validator`);
    assert.ok(readFileSync(reportValidatorPaths.dts, 'utf8') === fresh.dts, `${reportValidatorPaths.dts} is stale: run npm run generate:validator`);
  });

  it('detects a schema change', () => {
    const schema = JSON.parse(readFileSync(reportSchemaPath, 'utf8')) as { properties: { summary: { properties: { groups: { maxItems: number } } } } };
    assert.equal(schema.properties.summary.properties.groups.maxItems, 10);
    schema.properties.summary.properties.groups.maxItems = 11;
    const changed = reportValidatorSource(JSON.stringify(schema)).js;
    assert.notEqual(changed, fresh.js);
    assert.match(changed, /> 11\b/);
  });

  it('needs no eval, no Function constructor and no require', () => {
    assert.doesNotMatch(fresh.js, /\beval\(|new Function\b|\bFunction\(|\brequire\(/);
    assert.match(fresh.js, /^exports\.validateReportSchema = validate\d+;$/m);
  });

  it('refuses a schema whose standalone code would import ajv runtime helpers', () => {
    const schema = JSON.parse(readFileSync(reportSchemaPath, 'utf8')) as { properties: { createdAt: Record<string, unknown> } };
    schema.properties.createdAt.minLength = 1; // string length → ajv/dist/runtime/ucs2length
    assert.throws(() => reportValidatorSource(JSON.stringify(schema)), /would import require\("ajv\/dist\/runtime\/ucs2length"\)/);
  });
});
