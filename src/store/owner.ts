import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who owns a job: `<role>:<host>:<pid>:<start>:<random>`. The process's start time (Linux:
 * clock ticks since boot, from /proc) tells a live owner from a later process that reused its
 * pid; `random` tells apart two owners in one process (a test's two workers).
 */
export interface OwnerId {
  role: string;
  host: string;
  pid: number;
  start: string;
}

const HOST = hostname().replace(/:/g, '_');

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the command name, which may hold spaces and ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const OWN_START = processStart(process.pid) ?? '0';

export function newOwnerId(role: 'worker' | 'replay' | 'console' | 'verify'): string {
  return `${role}:${HOST}:${process.pid}:${OWN_START}:${randomBytes(4).toString('hex')}`;
}

export function parseOwnerId(owner: string): OwnerId | undefined {
  const [role, host, pid, start] = owner.split(':');
  if (!role || !host || !pid || !start || !/^\d+$/.test(pid)) return undefined;
  return { role, host, pid: Number(pid), start };
}

/** This process's pid, as owner ids carry it. */
export function isThisProcess(id: OwnerId): boolean {
  return id.host === HOST && id.pid === process.pid;
}

/**
 * Whether the process that wrote `owner` may still be running. Only "no" is a proof: an owner
 * on another host, or one whose id cannot be read, is taken as alive (the safe side: its job
 * waits, it is never run twice).
 */
export function ownerProcessMayBeAlive(owner: string): boolean {
  const id = parseOwnerId(owner);
  if (!id || id.host !== HOST) return true;
  if (id.pid === process.pid) return id.start === OWN_START || id.start === '0';
  try {
    process.kill(id.pid, 0);
  } catch (err) {
    // EPERM: the process exists but is not ours to signal.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(id.pid);
  return start === undefined || id.start === '0' || start === id.start;
}
