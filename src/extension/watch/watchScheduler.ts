/**
 * When to re-analyse a watched checkpoint (vscode-free, timers injectable, unit-tested):
 *
 * - file events on temporary names are ignored ({@link isTemporaryName});
 * - a burst of events (a multi-shard write, a temp file renamed over model.json) is debounced into one;
 * - after the quiet period the checkpoint is probed until it is complete and its fingerprint (sizes and
 *   modification times) is the same in two consecutive polls, so a half-written file is never analysed;
 *   a checkpoint that never settles is given up on after `maxWaitMs` until the next event;
 * - a checkpoint whose fingerprint equals the one last analysed is not analysed again;
 * - at most one analysis runs and at most one is pending: events during a run mark it pending, and it
 *   starts (debounced and probed again) when the run ends.
 */

/** The timer functions the scheduler uses (the real ones by default; a fake clock in tests). */
export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What a probe of the checkpoint on disk found. */
export type ProbeResult =
  | { readonly ready: true; readonly fingerprint: string }
  | { readonly ready: false; readonly reason: string };

/** Options of {@link WatchScheduler}. */
export interface WatchSchedulerOptions {
  /** Quiet time after the last event before probing (ms). */
  readonly debounceMs: number;
  /** Time between two stability probes (ms). */
  readonly pollMs: number;
  /** Stop waiting for a checkpoint that stays incomplete or keeps changing after this long (ms). */
  readonly maxWaitMs: number;
  /** Looks at the checkpoint on disk. */
  readonly probe: () => Promise<ProbeResult>;
  /** Runs one analysis (errors are caught and logged). */
  readonly run: () => Promise<void>;
  readonly clock?: SchedulerClock;
  readonly log?: (line: string) => void;
}

/** Which phase the scheduler is in (for tests and the log). */
export type SchedulerPhase = 'idle' | 'debouncing' | 'probing' | 'running';

const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * True for names that writers use while a file is incomplete and then rename: `*.tmp`, `*.tmp-…`,
 * `*.tmp_end.ckpt`, `*.part`, `*.partial`, `*.crdownload`, `*.swp`, hidden names (`.model.json.tmp-1`,
 * as this product's atomic writer makes) and editor backups (`model.json~`).
 */
export function isTemporaryName(fileName: string): boolean {
  const name = fileName.replace(/^.*[\\/]/, '');
  return name.startsWith('.') || name.endsWith('~') || /\.(tmp|temp|part|partial|crdownload|swp|swx)([-_.].*)?$/i.test(name) || /^~\$/.test(name);
}

/** Debounce, stability check and coalescing for one watched checkpoint. */
export class WatchScheduler {
  private readonly clock: SchedulerClock;
  private timer: unknown;
  private phaseNow: SchedulerPhase = 'idle';
  private pending = false;
  private generation = 0;
  private previousFingerprint: string | undefined;
  private probingSince = 0;
  private lastAnalysed: string | undefined;
  private disposed = false;
  private runs = 0;

  constructor(private readonly options: WatchSchedulerOptions) {
    this.clock = options.clock ?? realClock;
  }

  /** The current phase. */
  get phase(): SchedulerPhase {
    return this.phaseNow;
  }

  /** Analyses started so far. */
  get analysesStarted(): number {
    return this.runs;
  }

  /** Marks the fingerprint of the checkpoint as already analysed (the analysis that started the watch). */
  markAnalysed(fingerprint: string | undefined): void {
    this.lastAnalysed = fingerprint;
  }

  /**
   * A file event for `fileName` (created, changed, renamed into place or deleted). Returns false when
   * the name is temporary and the event was ignored.
   */
  notify(fileName: string): boolean {
    if (this.disposed || isTemporaryName(fileName)) return false;
    if (this.phaseNow === 'running') {
      this.pending = true;
      return true;
    }
    this.debounce();
    return true;
  }

  /** Cancels timers; nothing starts afterwards (a running analysis finishes on its own). */
  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.cancelTimer();
  }

  private debounce(): void {
    this.generation++;
    this.cancelTimer();
    this.phaseNow = 'debouncing';
    const generation = this.generation;
    this.timer = this.clock.setTimeout(() => {
      if (generation !== this.generation) return;
      this.phaseNow = 'probing';
      this.previousFingerprint = undefined;
      this.probingSince = this.clock.now();
      void this.poll(generation);
    }, this.options.debounceMs);
  }

  private async poll(generation: number): Promise<void> {
    this.timer = undefined;
    let result: ProbeResult;
    try {
      result = await this.options.probe();
    } catch (error) {
      result = { ready: false, reason: error instanceof Error ? error.message : String(error) };
    }
    if (generation !== this.generation || this.disposed) return; // a newer event restarted the debounce
    if (result.ready && result.fingerprint === this.previousFingerprint) {
      if (result.fingerprint === this.lastAnalysed) {
        this.options.log?.('watch mode: the checkpoint is unchanged since the last analysis; nothing to do');
        this.phaseNow = 'idle';
        return;
      }
      await this.start(result.fingerprint);
      return;
    }
    this.previousFingerprint = result.ready ? result.fingerprint : undefined;
    if (this.clock.now() - this.probingSince >= this.options.maxWaitMs) {
      this.options.log?.(`watch mode: gave up waiting for the checkpoint to be complete and stable (${result.ready ? 'still changing' : result.reason}); waiting for the next change`);
      this.phaseNow = 'idle';
      return;
    }
    if (!result.ready) this.options.log?.(`watch mode: not analysing yet: ${result.reason}`);
    this.timer = this.clock.setTimeout(() => void this.poll(generation), this.options.pollMs);
  }

  private async start(fingerprint: string): Promise<void> {
    this.phaseNow = 'running';
    this.pending = false;
    this.runs++;
    try {
      await this.options.run();
      this.lastAnalysed = fingerprint;
    } catch (error) {
      this.options.log?.(`watch mode: analysis failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.phaseNow = 'idle';
      if (this.pending && !this.disposed) {
        this.pending = false;
        this.debounce();
      }
    }
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
