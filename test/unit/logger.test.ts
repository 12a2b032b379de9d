import { PassThrough } from 'node:stream';
import { createLogger, type LoggerOptions } from '../../src/logger';

function capture(options: Omit<LoggerOptions, 'stream'>) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ ...options, stream });
  const lines = async () => {
    await logger.flush();
    return text.split('\n').filter((l) => l !== '');
  };
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON line per call: level, message, fields, timestamp', async () => {
    const { logger, lines } = capture({ level: 'info', pretty: false });
    logger.info('webhook recorded', { eventId: 'evt_1', n: 2 });
    const [line] = await lines();
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      level: 'info',
      message: 'webhook recorded',
      eventId: 'evt_1',
      n: 2,
    });
    expect(Object.keys(parsed)).toEqual(['level', 'message', 'eventId', 'n', 'timestamp']);
    expect(Number.isNaN(Date.parse(String(parsed['timestamp'])))).toBe(false);
  });

  it('drops lines below its level and writes nothing when silent', async () => {
    const warn = capture({ level: 'warn', pretty: false });
    warn.logger.debug('d');
    warn.logger.info('i');
    warn.logger.warn('w');
    warn.logger.log('error', 'e');
    expect((await warn.lines()).map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(
      ['w', 'e'],
    );
    const silent = capture({ level: 'debug', pretty: false, silent: true });
    silent.logger.error('nothing');
    expect(await silent.lines()).toEqual([]);
  });

  it('a child adds its fields to every line; a call may override them', async () => {
    const { logger, lines } = capture({ level: 'debug', pretty: false });
    const child = logger.child({ sessionId: 'cs_1', worker: 'w1' }).child({ eventId: 'evt_1' });
    child.debug('step', { worker: 'w2' });
    expect(JSON.parse((await lines())[0]!)).toMatchObject({
      sessionId: 'cs_1',
      eventId: 'evt_1',
      worker: 'w2',
    });
  });

  it('replaces fields named like secrets, whatever their case, a child’s too', async () => {
    const { logger, lines } = capture({ level: 'info', pretty: false });
    const fields = { apiToken: 'tok-123', Authorization: 'Bearer sk_live_x', body: '{"a":1}' };
    logger.child({ secretKey: 'sk_test_y' }).info('call', fields);
    const [line] = await lines();
    expect(line).not.toMatch(/tok-123|sk_live_x|sk_test_y|"a":1/);
    expect(JSON.parse(line!)).toMatchObject({
      apiToken: '[redacted]',
      Authorization: '[redacted]',
      body: '[redacted]',
      secretKey: '[redacted]',
    });
    expect(fields.apiToken).toBe('tok-123'); // the caller's object is left as it was
  });

  it('never throws on a circular field or a BigInt', async () => {
    const { logger, lines } = capture({ level: 'info', pretty: false });
    const loop: Record<string, unknown> = { name: 'loop' };
    loop['self'] = loop;
    logger.info('odd fields', { loop, big: 10n });
    expect(JSON.parse((await lines())[0]!)).toMatchObject({
      loop: { name: 'loop', self: '[circular]' },
      big: '10',
    });
  });

  it('writes a short line for a terminal', async () => {
    const { logger, lines } = capture({ level: 'info', pretty: true });
    logger.warn('slow', { ms: 5 });
    logger.info('plain');
    const [slow, plain] = await lines();
    const ESC = String.fromCharCode(27);
    expect(slow).toContain(`${ESC}[33mwarn${ESC}[39m slow {"ms":5}`);
    expect(slow).toMatch(/^\d\d:\d\d:\d\d\.\d{3} /);
    expect(plain).toMatch(/ plain$/);
  });
});
