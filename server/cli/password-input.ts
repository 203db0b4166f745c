/**
 * Reads a password for `spamcase user add/passwd`: from a terminal without echo (asked twice), or
 * the first line of standard input when it is not a terminal (scripts: `printf '%s\n' "$PW" | …`).
 * Never from an argument: arguments are visible to every user of the machine (ps) and in shell history.
 */
import readline from 'node:readline';
import { SpamcaseError } from '../errors.ts';

async function askHidden(prompt: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  let muted = false;
  out._writeToOutput = (s: string) => {
    if (!muted) process.stderr.write(s);
  };
  try {
    return await new Promise<string>((resolve) => {
      rl.question(prompt, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

export async function readStdinLine(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const pw = await readStdinLine();
    if (!pw) throw new SpamcaseError('USAGE', 'no password on standard input (one line expected)');
    return pw;
  }
  const first = await askHidden('New password: ');
  const second = await askHidden('Repeat it: ');
  if (first !== second) throw new SpamcaseError('USAGE', 'the two passwords differ');
  return first;
}
