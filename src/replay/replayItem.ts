import type { SessionSnapshot } from '../domain/sessionSnapshot';
import type { Resolution } from './sessionRead';

/** One session to replay; `created` (Unix seconds) places it in a --since window. */
export interface Item {
  key: string;
  created: number | undefined;
  /** The session as a window listed it (its event's, or the listed session): its scope. */
  listed?: SessionSnapshot | undefined;
  resolve: () => Promise<Resolution>;
}
