import net from 'node:net';

// The benchmark's load generator runs on the machine it measures, so it must cost little:
// node:http's client spends more CPU per request than a lean server does. This one keeps one
// HTTP/1.1 keep-alive connection per concurrent client, writes each request in one write and
// reads the answer by its Content-Length (what the gateway always sends).

interface Reply {
  body: string;
  /** The answer's Retry-After header, in seconds, when it has one. */
  retryAfterS: number | undefined;
}

interface Waiting {
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: Waiting | undefined;
  private readonly socket: net.Socket;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  send(request: Buffer): Promise<Reply> {
    if (this.waiting) throw new Error('one request at a time per connection');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const head = this.buffer.indexOf('\r\n\r\n');
    if (head < 0) return;
    const headers = this.buffer.subarray(0, head).toString('latin1');
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
    if (!m) return this.fail(new Error(`answer without content-length: ${headers.split('\r\n')[0]}`));
    const end = head + 4 + Number(m[1]);
    if (this.buffer.length < end) return;
    const body = this.buffer.subarray(head + 4, end).toString('utf8');
    const later = /\r\nretry-after:\s*(\d+)/i.exec(headers);
    this.buffer = this.buffer.subarray(end);
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ body, retryAfterS: later ? Number(later[1]) : undefined });
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}

/** POSTs JSON to one path over `size` keep-alive connections; each caller takes a free one. */
export class BenchClient {
  private readonly idle: Connection[] = [];
  private readonly queue: Array<(c: Connection) => void> = [];
  private readonly all: Connection[] = [];

  constructor(
    port: number,
    private readonly path: string,
    size: number,
  ) {
    for (let i = 0; i < size; i++) {
      const c = new Connection(port);
      this.all.push(c);
      this.idle.push(c);
    }
  }

  async post(json: string): Promise<any> {
    return (await this.timed(json)).answer;
  }

  /** The answer, the time from writing the request to its answer (not the wait for a free connection), its Retry-After. */
  async timed(json: string): Promise<{ answer: any; ms: number; retryAfterS: number | undefined }> {
    const c = this.idle.pop() ?? (await new Promise<Connection>((r) => this.queue.push(r)));
    try {
      const body = Buffer.from(json, 'utf8');
      const head = `POST ${this.path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
      const t = performance.now();
      const reply = await c.send(Buffer.concat([Buffer.from(head, 'latin1'), body]));
      return { answer: JSON.parse(reply.body), ms: performance.now() - t, retryAfterS: reply.retryAfterS };
    } finally {
      const next = this.queue.shift();
      if (next) next(c);
      else this.idle.push(c);
    }
  }

  close(): void {
    for (const c of this.all) c.close();
  }
}
