/**
 * Where the drill-down gets thumbnails and image files: from the host (VS Code panel: the engine decodes them from
 * the workspace data) or from the thumbnails embedded in a standalone HTML report.
 */
import type { DashboardExample, DashboardExamplesMessage, FromDashboardMessage, StandaloneThumbnails } from '../../src/protocol/webviewProtocol';

/** Examples by eval index, as one lookup answered. */
export interface ExampleLookup {
  readonly examples: ReadonlyMap<number, DashboardExample>;
  readonly isFeatures: boolean;
  /** Why nothing could be read (one line). */
  readonly error?: string;
}

/** A provider of thumbnails and files. */
export interface ExampleSource {
  /** Looks the indices up (missing ones are simply absent from the map). */
  fetch(indices: readonly number[]): Promise<ExampleLookup>;
  /** Opens or reveals a file; null when this page cannot (standalone HTML). */
  readonly open: ((file: string, action: 'open' | 'reveal') => void) | null;
}

/** In VS Code: asks the host, which asks the engine; answers arrive as `dashboard/examples` messages. */
export class HostExampleSource implements ExampleSource {
  private next = 1;
  private readonly pending = new Map<number, (lookup: ExampleLookup) => void>();

  constructor(private readonly post: (message: FromDashboardMessage) => void) {}

  fetch(indices: readonly number[]): Promise<ExampleLookup> {
    const requestId = this.next++;
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      this.post({ type: 'dashboard/requestExamples', requestId, indices });
    });
  }

  readonly open = (file: string, action: 'open' | 'reveal'): void => this.post({ type: 'dashboard/openExample', file, action });

  /** Settles the request a `dashboard/examples` message answers. */
  receive(message: DashboardExamplesMessage): void {
    const resolve = this.pending.get(message.requestId);
    if (!resolve) return;
    this.pending.delete(message.requestId);
    resolve({ examples: new Map(message.examples.map((e) => [e.index, e])), isFeatures: message.isFeatures, error: message.error });
  }
}

/** Embedded thumbnails of a standalone report: `{ isFeatures, maxSide, thumbnails: { "<index>": "data:image/png;base64,…" } }`. */
export type EmbeddedThumbnails = StandaloneThumbnails;

const pngDataUri = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

/** Reads embedded thumbnails, keeping only PNG data URIs under integer keys (anything else is dropped). */
export function parseEmbeddedThumbnails(value: unknown): EmbeddedThumbnails | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { isFeatures?: unknown; maxSide?: unknown; thumbnails?: unknown };
  if (typeof v.thumbnails !== 'object' || v.thumbnails === null) return null;
  const thumbnails: Record<string, string> = {};
  for (const [k, uri] of Object.entries(v.thumbnails as Record<string, unknown>)) {
    if (/^\d+$/.test(k) && typeof uri === 'string' && pngDataUri.test(uri)) thumbnails[k] = uri;
  }
  return { isFeatures: v.isFeatures === true, maxSide: typeof v.maxSide === 'number' ? v.maxSide : 0, thumbnails };
}

/** Standalone HTML: the thumbnails the report embedded (the top examples, within its size budget). */
export class EmbeddedExampleSource implements ExampleSource {
  readonly open = null;

  constructor(private readonly embedded: EmbeddedThumbnails | null) {}

  fetch(indices: readonly number[]): Promise<ExampleLookup> {
    const examples = new Map<number, DashboardExample>();
    for (const index of indices) {
      const uri = this.embedded?.thumbnails[String(index)];
      if (uri) examples.set(index, { index, label: -1, thumbnail: uri, file: null });
    }
    return Promise.resolve({ examples, isFeatures: this.embedded?.isFeatures ?? false });
  }
}
