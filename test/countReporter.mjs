// Node test-runner reporter that writes {passed, failed, skipped} of leaf tests as JSON (used by test/run.mjs).
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    const details = event.data?.details;
    if (details?.type === 'suite') {
      continue;
    }
    if (event.type === 'test:pass') {
      if (event.data.skip || event.data.todo) {
        counts.skipped++;
      } else {
        counts.passed++;
      }
    } else if (event.type === 'test:fail') {
      counts.failed++;
    }
  }
  yield JSON.stringify(counts);
}
