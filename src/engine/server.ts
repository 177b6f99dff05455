/**
 * Entry point of the engine child process (`dist/engine.js`). It speaks JSON-RPC over stdin/stdout
 * (vscode-jsonrpc) and logs to stderr. The backend loads once, on the first request, so a host can
 * start the process early at no cost. See docs/architecture.md.
 */
import './stdioGuard';
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  AnalyseRequest,
  DidEpochNotification,
  DidLogNotification,
  DidProgressNotification,
  ExamplesRequest,
  FineTuneRequest,
  InfoRequest,
  MeasureThroughputRequest,
  TrainingStatisticsRequest,
} from '../protocol/engineProtocol';
import { ErrorCode, type EngineErrorData, toLongtailError } from '../protocol/errors';
import { exampleThumbnails } from './drilldown/exampleThumbnails';
import { trainingStatisticsRequest } from './preprocessing/trainingStatisticsRequest';
import { Engine } from './engine';
import { parseEngineArgs } from './engineArgs';

/** JSON-RPC error code of a cancelled request (the LSP value). */
const requestCancelledCode = -32800;
/** JSON-RPC error code for every other engine error (server-defined range). */
const engineErrorCode = -32000;

function toResponseError(error: unknown): ResponseError<EngineErrorData> {
  const e = toLongtailError(error);
  if (e.code === ErrorCode.Internal && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return new ResponseError(e.code === ErrorCode.Cancelled ? requestCancelledCode : engineErrorCode, e.message, e.toData());
}

function main(): void {
  const options = parseEngineArgs(process.argv.slice(2));
  const connection = createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  let enginePromise: Promise<Engine> | undefined;
  const engine = (): Promise<Engine> => {
    if (!enginePromise) {
      enginePromise = Engine.create(options);
      enginePromise.then(
        (e) => connection.sendNotification(DidLogNotification, { level: 'info', message: `backend ${e.info().backend.name} ready` }),
        () => undefined,
      );
    }
    return enginePromise;
  };

  /** Wraps a handler so every error crosses the wire typed. */
  const handle =
    <P, R>(fn: (params: P, token: import('vscode-jsonrpc').CancellationToken) => Promise<R>) =>
    async (params: P, token: import('vscode-jsonrpc').CancellationToken): Promise<R | ResponseError<EngineErrorData>> => {
      try {
        return await fn(params, token);
      } catch (error) {
        return toResponseError(error);
      }
    };

  connection.onRequest(
    InfoRequest,
    handle(async () => (await engine()).info()),
  );
  connection.onRequest(
    MeasureThroughputRequest,
    handle(async (params, token) =>
      (await engine()).measureThroughput(params, token, (snapshot) => connection.sendNotification(DidProgressNotification, snapshot)),
    ),
  );
  connection.onRequest(
    AnalyseRequest,
    handle(async (params, token) => {
      const outcome = await (await engine()).analyse(params, token, (snapshot) => connection.sendNotification(DidProgressNotification, snapshot));
      return outcome.result;
    }),
  );
  // Drill-down thumbnails read the data only: no backend is loaded for them.
  connection.onRequest(
    ExamplesRequest,
    handle(async (params, token) => exampleThumbnails(params, token)),
  );
  // The training set's pixel statistics read the data only, like the thumbnails.
  connection.onRequest(
    TrainingStatisticsRequest,
    handle(async (params, token) => trainingStatisticsRequest(params, token)),
  );
  connection.onRequest(
    FineTuneRequest,
    handle(async (params, token) => {
      const progressToken = params.progressToken;
      const outcome = await (await engine()).fineTune(
        params,
        token,
        (snapshot) => connection.sendNotification(DidProgressNotification, snapshot),
        progressToken ? (epoch) => connection.sendNotification(DidEpochNotification, { token: progressToken, epoch }) : undefined,
      );
      return outcome.result;
    }),
  );
  // The host closing our stdin (or dying) ends the engine.
  connection.onClose(() => process.exit(0));
  process.stdin.on('end', () => process.exit(0));
  connection.listen();
}

try {
  main();
} catch (error) {
  const e = toLongtailError(error);
  process.stderr.write(`error[${e.code}]: ${e.message}\n`);
  process.exit(2);
}
