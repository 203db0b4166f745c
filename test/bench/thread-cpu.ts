/**
 * CPU time per thread of this process, for the ingest benchmark: every 100 ms (and on stop) it
 * reads utime + stime of each task in /proc/self/task/<tid>/stat (Linux, clock ticks of 10 ms) and
 * keeps the last value seen per thread, so a reader thread that has ended is still counted (up to
 * its last 100 ms). Threads are grouped as the ingest (main) thread, the reader thread and the
 * rest (V8 GC helpers, libuv pool). Node 20 names every thread "node", so the reader is told
 * apart as the busiest thread other than the main one (a GC helper does a fraction of its work).
 * CPU time, not wall time: on a shared, loaded machine wall time measures the neighbours.
 */
import fs from 'node:fs';

const TICK_US = 10_000; // USER_HZ is 100 on Linux

interface Task {
  comm: string;
  ticks: number;
}

function readTasks(into: Map<number, Task>): void {
  let tids: string[] = [];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ... field 14 utime, 15 stime (1-based); comm may hold spaces.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    into.set(Number(tid), { comm, ticks: Number(f[11]) + Number(f[12]) });
  }
}

export interface ThreadCpu {
  /** µs of CPU of the main (ingest, writer) thread. */
  mainUs: number;
  /** µs of CPU of the reader thread (the busiest thread but the main one). */
  readerUs: number;
  /** µs of every other thread (V8 platform / GC helpers, libuv pool, ...). */
  otherUs: number;
  /** Threads by name with their µs. */
  byThread: Array<{ tid: number; name: string; us: number }>;
}

export class ThreadCpuMeter {
  private readonly start = new Map<number, Task>();
  private readonly last = new Map<number, Task>();
  private readonly timer: NodeJS.Timeout;
  constructor() {
    readTasks(this.start);
    this.timer = setInterval(() => readTasks(this.last), 100);
    this.timer.unref();
  }
  stop(): ThreadCpu {
    clearInterval(this.timer);
    readTasks(this.last);
    const pid = process.pid;
    const byThread = [...this.last].map(([tid, t]) => ({
      tid,
      name: t.comm,
      us: (t.ticks - (this.start.get(tid)?.ticks ?? 0)) * TICK_US,
    }));
    const main = byThread.find((t) => t.tid === pid)?.us ?? 0;
    const rest = byThread.filter((t) => t.tid !== pid).sort((a, b) => b.us - a.us);
    const reader = rest[0]?.us ?? 0;
    const other = rest.slice(1).reduce((s, t) => s + t.us, 0);
    return { mainUs: main, readerUs: reader, otherUs: other, byThread };
  }
}
