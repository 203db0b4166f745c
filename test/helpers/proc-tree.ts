import fs from 'node:fs';

/** The process and its descendants, from /proc/<pid>/task/<tid>/children (Linux); the process first. */
export function processTree(pid: number, out: number[] = []): number[] {
  out.push(pid);
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let kids = '';
    try {
      kids = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const k of kids.split(' ')) if (k.trim()) processTree(Number(k), out);
  }
  return out;
}
