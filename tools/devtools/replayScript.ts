import { spawn } from 'node:child_process';
import { scriptFile } from './paths';

/**
 * Runs `npm run replay` as an operator does: the built scripts/replay.js in its own process.
 * `inherit`: its lines go to this terminal; `capture`: its standard output and standard error
 * are returned.
 */
export function runReplayScript(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  output: 'inherit' | 'capture',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [scriptFile('replay.js'), ...args], {
      env,
      stdio: output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
