/** The diagnostics engine: pure maths on typed arrays that builds report.json v1 (see buildReport). */
export { buildReport, buildReportAsync, type BuildReportOptions } from './buildReport';
export type { ClassifierHead, DiagnosticsInput, DiagnosticsOptions, FloatArray, MultiplyABt } from './types';
export { multiplyABt } from './matmul';
export { transposeKernel } from './types';
