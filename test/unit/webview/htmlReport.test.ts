import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { escapeHtml, jsonForScriptElement, renderHtmlReport, scriptSafe } from '../../../src/report/htmlReport';
import { validateReport } from '../../../src/protocol/validateReport';
import { dashboardHtml } from '../../../src/extension/dashboardHtml';
import { isFromDashboardMessage, isToDashboardMessage } from '../../../src/protocol/webviewProtocol';
import { sanitiseState, initialState } from '../../../webview/dashboard/state';
import { hostileNames, makeReport } from '../../fixtures/makeReport';

describe('fixture reports', () => {
  it('are valid against report.schema.json for 10, 1,000 and 8,142 classes and several heads', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'src', 'protocol', 'report.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const options of [{ numClasses: 10 }, { numClasses: 1000, head: 'adam' as const }, { numClasses: 8142 }, { numClasses: 30, head: 'none' as const, embeddings: false }]) {
      const r = makeReport(options);
      assert.ok(validate(JSON.parse(JSON.stringify(r))), JSON.stringify(validate.errors?.slice(0, 3)));
      assert.equal(r.classes.length, options.numClasses);
    }
  });

  it('are deterministic and contain the hostile names', () => {
    assert.deepEqual(makeReport({ numClasses: 100, seed: 7 }), makeReport({ numClasses: 100, seed: 7 }));
    const names = makeReport({ numClasses: 10 }).classes.map((c) => c.name);
    for (const n of hostileNames) assert.ok(names.includes(n), n);
  });
});

describe('standalone HTML report', () => {
  const report = makeReport({ numClasses: 10 });
  const js = 'console.log("</script><!-- x")';
  const css = 'body { color: red; }';
  const html = renderHtmlReport(report, { bundleJs: js, css, compare: makeReport({ numClasses: 10, variant: 'after' }) });

  it('escapes JSON so no class name can close the element, and the data parses back equal', () => {
    const text = jsonForScriptElement({ name: '</script><script>alert(1)</script>', amp: 'a&b', ls: '\u2028' });
    assert.ok(!/[<>&\u2028]/.test(text));
    assert.deepEqual(JSON.parse(text), { name: '</script><script>alert(1)</script>', amp: 'a&b', ls: '\u2028' });
    const data = /<script type="application\/json" id="longtail-report">([^<]*)<\/script>/.exec(html)?.[1];
    assert.deepEqual(JSON.parse(data!), report);
    assert.equal((html.match(/<\/script>/g) ?? []).length, 3);
  });

  it('has a strict CSP whose hashes match the inlined script and style exactly', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1].replace(/&#39;/g, "'");
    assert.match(csp, /^default-src 'none'; /);
    const inlineJs = /<script>([\s\S]*)<\/script>\n<\/body>/.exec(html)![1];
    const inlineCss = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const sha = (t: string) => createHash('sha256').update(t).digest('base64');
    assert.ok(csp.includes(`script-src 'sha256-${sha(inlineJs)}'`));
    assert.ok(csp.includes(`style-src 'sha256-${sha(inlineCss)}'`));
    assert.ok(!/unsafe-inline|unsafe-eval|https?:/.test(csp));
    assert.equal(inlineJs, scriptSafe(js));
    assert.ok(!inlineJs.includes('</script') && !inlineJs.includes('<!--'));
  });

  it('marks the page standalone and escapes the title', () => {
    const h = renderHtmlReport(report, { bundleJs: '', css: '', title: '<b>"x"</b>' });
    assert.ok(h.includes('data-layout="standalone"'));
    assert.ok(h.includes('&lt;b&gt;&quot;x&quot;&lt;/b&gt;'));
    assert.ok(!h.includes('<b>'));
    assert.equal(escapeHtml(`<a href='x'>&`), '&lt;a href=&#39;x&#39;&gt;&amp;');
  });

  it('validates reports with clear errors', () => {
    assert.equal(validateReport(JSON.parse(JSON.stringify(report)), 'r.json').classes.length, 10);
    assert.throws(() => validateReport([], 'r.json'), /r\.json is not a valid Long-Tail Lens report: the top level must be object/);
    assert.throws(() => validateReport({ ...report, schemaVersion: 2 }, 'r.json'), /cannot read schemaVersion 2/);
    assert.throws(() => validateReport({ ...report, classes: [{ name: 1 }] }, 'r.json'), /\/classes\/0\/index is missing/);
  });
});

describe('panel HTML and webview protocol', () => {
  it('builds the panel page with a nonce-only script CSP and no inline styles', () => {
    const html = dashboardHtml('https://x.vscode-cdn.net', 'https://x.vscode-cdn.net/dist/webview/dashboard.js', 'https://x.vscode-cdn.net/media/dashboard.css', 'abcdefABCDEF0123456789==');
    const csp = /content="([^"]+)"/.exec(html)![1].replace(/&#39;/g, "'");
    assert.match(csp, /default-src 'none'; script-src 'nonce-abcdefABCDEF0123456789=='; style-src https:\/\/x\.vscode-cdn\.net; img-src https:\/\/x\.vscode-cdn\.net data:/);
    assert.ok(!csp.includes('unsafe'));
    assert.ok(html.includes('<script nonce="abcdefABCDEF0123456789==" src="https://x.vscode-cdn.net/dist/webview/dashboard.js"></script>'));
    assert.ok(!/<style|style="/.test(html));
    assert.throws(() => dashboardHtml('x', 'a', 'b', 'short'));
  });

  it('type guards accept only known, well-formed messages', () => {
    assert.ok(isFromDashboardMessage({ type: 'dashboard/ready' }));
    assert.ok(isFromDashboardMessage({ type: 'dashboard/exportCsv', suggestedName: 'a.csv', csv: 'x', rows: 1 }));
    assert.ok(!isFromDashboardMessage({ type: 'dashboard/exportCsv', suggestedName: 'a.csv' }));
    assert.ok(!isFromDashboardMessage({ type: 'other' }));
    assert.ok(!isFromDashboardMessage(null));
    assert.ok(isToDashboardMessage({ type: 'dashboard/showReport', report: {} }));
    assert.ok(!isToDashboardMessage({ type: 'dashboard/ready' }));
  });

  it('sanitises persisted state field by field', () => {
    assert.deepEqual(sanitiseState(undefined), initialState);
    assert.deepEqual(sanitiseState({ tab: 'classes', sort: { key: 'accuracy', dir: 'asc' }, filter: { text: 'x', bucket: 'few', maxAccuracy: 0.3 }, tauIndex: 4 }), {
      version: 1,
      tab: 'classes',
      sort: { key: 'accuracy', dir: 'asc' },
      filter: { text: 'x', bucket: 'few', maxAccuracy: 0.3 },
      tauIndex: 4,
      input: null,
    });
    const bad = sanitiseState({ tab: 'nope', sort: { key: 'evil', dir: 'up' }, filter: { bucket: 'huge', maxAccuracy: 7 }, tauIndex: -1 });
    assert.deepEqual(bad, initialState);
  });
});
