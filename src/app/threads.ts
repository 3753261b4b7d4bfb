import { parentPort, Worker } from 'node:worker_threads';

// Work over worker threads (issue 19), two ways:
//  - PartitionedWorkers: one reader splits items by key (a person's claims all to one thread, in
//    the order given, so each year accumulates as it would), in batches; reading waits while a
//    thread has MAX_OUTSTANDING batches unsettled, so memory stays flat rather than filling with
//    items sent and not yet done. `yibao compare` reads its claim file this way.
//  - runThreads: each thread reads its own share itself (a share of the persons, from the
//    database) and says how far it has got: the replay of stored settlements
//    (src/app/settlement/simulation.ts), where relaying rows through one thread cost as much as
//    reading them.
// Either way every thread answers what it added up at the end.

/** Items sent to a thread at a time; batches a thread may have unsettled. */
const BATCH = 500;
const MAX_OUTSTANDING = 4;

/** What the reading side sends: a batch of items with a number each (a line number), or the end. */
export type BatchMessage = { items: string[]; tags: number[] } | { end: true };
/** What a thread answers: a batch done, its failure, or its answer at the end; `done` counts items a thread read itself (runThreads). */
type ThreadMessage<A> = { ack: true } | { error: string } | { answer: A } | { done: number };

/**
 * A worker thread on `file`; run from the sources, it registers tsx's loader first (a worker does
 * not inherit it). `heapMb` caps its heap, for work whose memory is flat by design: it collects
 * its garbage sooner rather than growing (and fails, named, if it ever needs more).
 */
function startWorker(file: URL, workerData: unknown, heapMb: number | undefined): Worker {
  const resourceLimits = heapMb === undefined ? undefined : { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 64 };
  if (!file.pathname.endsWith('.ts')) return new Worker(file, { workerData, resourceLimits });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}

function threadOf(key: string, threads: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(h) % threads;
}

/** The number of threads asked for, checked: 1 to 16. */
export function threadCount(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new RangeError(`${field}: expected a whole number from 1 to 16 (got ${n})`);
  return n;
}

export class PartitionedWorkers<A> {
  private readonly threads: Worker[];
  private readonly outstanding: number[];
  private readonly waiting: Array<(() => void) | undefined>;
  private readonly batches: { items: string[]; tags: number[] }[];
  private readonly answers: Promise<A>[];
  private failure: string | undefined;

  /** `file` is the worker module (it calls serveBatches); `workerData` is handed to every thread. */
  constructor(file: URL, workerData: unknown, threads: number) {
    this.threads = Array.from({ length: threads }, () => startWorker(file, workerData, undefined));
    this.outstanding = this.threads.map(() => 0);
    this.waiting = this.threads.map(() => undefined);
    this.batches = this.threads.map(() => ({ items: [], tags: [] }));
    this.answers = this.threads.map((w, i) => new Promise<A>((resolve, reject) => {
      w.on('message', (m: ThreadMessage<A>) => {
        if ('ack' in m) {
          this.outstanding[i]! -= 1;
          this.wake(i);
        } else if ('error' in m) {
          this.stop(m.error);
          reject(new Error(m.error));
        } else if ('answer' in m) resolve(m.answer);
      });
      w.on('error', (err) => {
        this.stop(err.message);
        reject(err);
      });
      w.on('exit', (code) => {
        this.stop(`a worker thread exited (${code})`);
        reject(new Error(`a worker thread exited (${code})`));
      });
    }));
    this.answers.forEach((a) => a.catch(() => undefined));
  }

  /** The first failure of any thread, if there was one: reading should stop. */
  get failed(): string | undefined {
    return this.failure;
  }

  private wake(i: number): void {
    this.waiting[i]?.();
    this.waiting[i] = undefined;
  }

  /** The first failure ends the work: nobody waits on a thread any more. */
  private stop(why: string): void {
    this.failure ??= why;
    this.threads.forEach((_, i) => this.wake(i));
  }

  /** One item for the thread of `key`; resolves once it may be followed by the next. */
  async push(key: string, item: string, tag = 0): Promise<void> {
    const i = threadOf(key, this.threads.length);
    const b = this.batches[i]!;
    b.items.push(item);
    b.tags.push(tag);
    if (b.items.length >= BATCH) await this.send(i);
  }

  private async send(i: number): Promise<void> {
    const b = this.batches[i]!;
    if (b.items.length === 0) return;
    while (this.outstanding[i]! >= MAX_OUTSTANDING && !this.failure) await new Promise<void>((r) => (this.waiting[i] = r));
    if (this.failure) throw new Error(this.failure);
    this.outstanding[i]! += 1;
    this.threads[i]!.postMessage(b satisfies BatchMessage);
    this.batches[i] = { items: [], tags: [] };
  }

  /** Every thread's answer once all it was sent is done. */
  async finish(): Promise<A[]> {
    for (let i = 0; i < this.threads.length; i++) await this.send(i);
    for (const w of this.threads) w.postMessage({ end: true } satisfies BatchMessage);
    return Promise.all(this.answers);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}

/** The thread's side: `handle` each batch (a throw fails the whole work with its message), `end` answers. */
export function serveBatches<A>(handle: (items: string[], tags: number[]) => void, end: () => A): void {
  parentPort!.on('message', (m: BatchMessage) => {
    try {
      if ('end' in m) {
        parentPort!.postMessage({ answer: end() } satisfies ThreadMessage<A>);
        return;
      }
      handle(m.items, m.tags);
      parentPort!.postMessage({ ack: true } satisfies ThreadMessage<A>); // the reader sends more only as batches are done
    } catch (err) {
      parentPort!.postMessage({ error: (err as Error).message } satisfies ThreadMessage<A>);
    }
  });
}

/**
 * `threads` threads that each read their own share of the work (thread i gets `dataOf(i)`), tell
 * how many items they have done as they go (`progress`, the sum over threads), and answer at
 * the end. The first failure of any ends them all.
 */
export async function runThreads<A>(file: URL, threads: number, dataOf: (i: number) => unknown, opts: { heapMb?: number; progress?: (done: number) => void } = {}): Promise<A[]> {
  const workers = Array.from({ length: threads }, (_, i) => startWorker(file, dataOf(i), opts.heapMb));
  let done = 0;
  try {
    return await Promise.all(workers.map((w) => new Promise<A>((resolve, reject) => {
      w.on('message', (m: ThreadMessage<A>) => {
        if ('done' in m) {
          done += m.done;
          opts.progress?.(done);
        } else if ('error' in m) reject(new Error(m.error));
        else if ('answer' in m) resolve(m.answer);
      });
      w.on('error', reject);
      w.on('exit', (code) => reject(new Error(`a worker thread exited (${code})`)));
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The thread's side of runThreads: `work` reads its share, calling `done(n)` as it goes; its result is the answer. */
export function runThread<A>(work: (done: (n: number) => void) => Promise<A>): void {
  work((n) => parentPort!.postMessage({ done: n } satisfies ThreadMessage<A>)).then(
    (answer) => parentPort!.postMessage({ answer } satisfies ThreadMessage<A>),
    (err: unknown) => parentPort!.postMessage({ error: (err as Error).message } satisfies ThreadMessage<A>),
  );
}
