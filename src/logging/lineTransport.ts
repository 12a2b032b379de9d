import TransportStream from 'winston-transport';
import { MESSAGE } from './formats';

/**
 * Writes each formatted line to a stream (stdout by default). winston's Console and Stream
 * transports do the same but also schedule a `logged` event per line (a setImmediate each),
 * which nothing here listens to.
 */
export class LineTransport extends TransportStream {
  constructor(readonly stream: NodeJS.WritableStream) {
    super();
  }

  override log(info: { [MESSAGE]?: unknown }, next: () => void): void {
    this.stream.write(`${String(info[MESSAGE])}\n`);
    next();
  }
}
