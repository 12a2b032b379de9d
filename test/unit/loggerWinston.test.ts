import { PassThrough } from 'node:stream';
import winston from 'winston';
import TransportStream from 'winston-transport';
import { addLogTransport, createLogger, setLogContext, type LogFields } from '../../src/logger';

const MESSAGE = Symbol.for('message');

/** A winston transport that keeps each line it is handed, and may take its time over each. */
class Keeper extends TransportStream {
  readonly infos: Record<string | symbol, unknown>[] = [];
  constructor(private readonly delayMs = 0) {
    super();
  }
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.infos.push(info);
    if (this.delayMs === 0) next();
    else setTimeout(next, this.delayMs);
  }
}

function text(stream: PassThrough): () => string {
  let all = '';
  stream.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')));
  return () => all;
}

afterEach(() => setLogContext(undefined));

describe('createLogger over winston', () => {
  it('hands every transport the same redacted line its stream gets', async () => {
    const stream = new PassThrough();
    const read = text(stream);
    const keeper = new Keeper();
    const out = new PassThrough();
    const readOut = text(out);
    const logger = createLogger({
      level: 'info',
      pretty: false,
      stream,
      transports: [keeper, new winston.transports.Stream({ stream: out, eol: '\n' })],
    });
    logger.child({ worker: 'w1' }).info('permit pushed', { sessionId: 'cs_1', apiToken: 'tok' });
    await logger.flush();
    const line = read().trim();
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      message: 'permit pushed',
      worker: 'w1',
      sessionId: 'cs_1',
      apiToken: '[redacted]',
    });
    expect(keeper.infos).toHaveLength(1);
    expect(keeper.infos[0]![MESSAGE]).toBe(line);
    expect(keeper.infos[0]!['apiToken']).toBe('[redacted]');
    expect(readOut()).toBe(`${line}\n`);
  });

  it('builds nothing for a level that is off', async () => {
    const keeper = new Keeper();
    const logger = createLogger({ level: 'info', pretty: false, stream: new PassThrough() });
    const child = createLogger({
      level: 'warn',
      pretty: false,
      stream: new PassThrough(),
      transports: [keeper],
    }).child({});
    let read = 0;
    const fields: LogFields = {};
    Object.defineProperty(fields, 'costly', { enumerable: true, get: () => ++read });
    logger.debug('off', fields);
    child.info('off too', fields);
    child.warn('on', fields);
    await logger.flush();
    expect(read).toBe(1);
    expect(keeper.infos.map((i) => i['message'])).toEqual(['on']);
  });

  it('merges the log context into each line while a provider is set; a field of the call wins', async () => {
    const stream = new PassThrough();
    const read = text(stream);
    const logger = createLogger({ level: 'info', pretty: false, stream });
    logger.info('before');
    let context: LogFields | undefined = { trace_id: 't1', span_id: 's1' };
    setLogContext(() => context);
    logger.info('inside');
    logger.info('own span', { span_id: 'mine' });
    context = undefined;
    logger.info('outside the work');
    setLogContext(() => {
      throw new Error('provider broke');
    });
    logger.info('still written');
    setLogContext(undefined);
    logger.info('after');
    await logger.flush();
    const lines = read()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['message'], l['trace_id'], l['span_id']])).toEqual([
      ['before', undefined, undefined],
      ['inside', 't1', 's1'],
      ['own span', 't1', 'mine'],
      ['outside the work', undefined, undefined],
      ['still written', undefined, undefined],
      ['after', undefined, undefined],
    ]);
    expect(Object.keys(lines[1]!)).toEqual([
      'level',
      'message',
      'trace_id',
      'span_id',
      'timestamp',
    ]);
  });

  it('redacts a secret-named field a context provider gives too', async () => {
    const stream = new PassThrough();
    const read = text(stream);
    const logger = createLogger({ level: 'info', pretty: false, stream });
    setLogContext(() => ({ authorization: 'Bearer sk_live_z' }));
    logger.info('call');
    await logger.flush();
    expect(read()).not.toContain('sk_live_z');
  });

  it('flush waits until a transport that takes its time has been handed every line', async () => {
    const slow = new Keeper(5);
    const logger = createLogger({
      level: 'info',
      pretty: false,
      stream: new PassThrough(),
      transports: [slow],
    });
    for (let i = 0; i < 40; i++) logger.info('line', { i });
    expect(slow.infos.length).toBeLessThan(40);
    await logger.flush();
    expect(slow.infos.map((i) => i['i'])).toEqual([...Array(40).keys()]);
  });

  it('an operator’s transport joins every logger made after it is added', async () => {
    const keeper = new Keeper();
    const before = createLogger({ level: 'info', pretty: false, stream: new PassThrough() });
    const remove = addLogTransport(keeper);
    const after = createLogger({ level: 'info', pretty: false, stream: new PassThrough() });
    remove();
    const removed = createLogger({ level: 'info', pretty: false, stream: new PassThrough() });
    before.info('before');
    after.info('after');
    removed.info('removed');
    await Promise.all([before.flush(), after.flush(), removed.flush()]);
    expect(keeper.infos.map((i) => i['message'])).toEqual(['after']);
  });
});

test('a transport that fails is reported on stderr; the lines go on', async () => {
  const broken = new Keeper();
  const stream = new PassThrough();
  const read = text(stream);
  const logger = createLogger({ level: 'info', pretty: false, stream, transports: [broken] });
  const said: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    said.push(String(chunk));
    return true;
  });
  try {
    logger.info('before');
    broken.emit('error', new Error('disk full'));
    logger.info('after');
    await logger.flush();
  } finally {
    stderr.mockRestore();
  }
  expect(said).toEqual(['a log transport failed: disk full\n']);
  expect(read()).toMatch(/"before".*\n.*"after"/);
});
