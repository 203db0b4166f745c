/**
 * The dashboard's figures while an acquisition of the case runs (a web upload's job process, or `spamcase ingest` in
 * another process), computed in a short-lived process of their own (dashboard-process.ts, started with
 * child_process.fork) rather than on the serving thread: on SQLite the driver is synchronous, and the computation
 * held every request about 1 s at 30,000 messages, 3 s at a million. CaseFigures asks for it at most every
 * RUNNING_REFRESH_MS per case and shows the last figures, "as of" when they were computed, meanwhile.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Config } from '../config.ts';
import type { Dashboard } from '../usecases/case-figures.ts';

/** What a dashboard process is given (its first IPC message). */
export interface DashboardProcessSpec {
  database: Config['database'];
  caseId: number;
  caseSlug: string;
}

/** What a dashboard process answers. */
export type DashboardProcessMessage = { kind: 'dashboard'; value: Dashboard } | { kind: 'failed'; error: string };

/** The process's entry: compiled, the module itself; as TypeScript, a small .mjs that registers tsx first. */
const PROCESS_ENTRY = import.meta.url.endsWith('.js') ? './dashboard-process.js' : './dashboard-process-boot.mjs';

export class DashboardProcesses {
  private readonly children = new Set<ChildProcess>();
  private closed = false;
  /** Processes started (tests, the server log). */
  started = 0;

  constructor(private readonly database: Config['database']) {}

  /** The case's dashboard, computed in a process of its own; rejects if it fails or ends without answering. */
  compute(caseId: number, caseSlug: string): Promise<Dashboard> {
    if (this.closed) return Promise.reject(new Error('the server is stopping'));
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = fork(new URL(PROCESS_ENTRY, import.meta.url), [], {
          execArgv: [],
          serialization: 'advanced',
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.started++;
      this.children.add(child);
      let answer: DashboardProcessMessage | null = null;
      child.on('message', (m: DashboardProcessMessage) => {
        answer = m;
      });
      child.on('error', (err) => {
        if (child.pid === undefined) {
          this.children.delete(child);
          reject(err);
        }
      });
      // 'close', not 'exit': it comes after the process's last message has been read.
      child.on('close', (code, signal) => {
        this.children.delete(child);
        const a = answer as DashboardProcessMessage | null;
        if (a?.kind === 'dashboard') resolve(a.value);
        else if (a?.kind === 'failed') reject(new Error(`the dashboard process failed: ${a.error}`));
        else reject(new Error(`the dashboard process ended without figures (${signal ?? `exit code ${code}`})`));
      });
      const spec: DashboardProcessSpec = { database: this.database, caseId, caseSlug };
      child.send(spec, () => undefined);
    });
  }

  /** Stop the processes still computing (their figures are not needed once the server stops). */
  close(): void {
    this.closed = true;
    for (const child of this.children) child.kill('SIGTERM');
  }
}
