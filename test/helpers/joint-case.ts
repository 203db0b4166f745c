/**
 * A joint two-party case built from overlapping harvests, with its truth computed here from how
 * the files were written (not from the product): MSN Hotmail and Laposte.net both harvest part of
 * the same spam run. Some overlapping deliveries are the same bytes in both harvests (exact
 * duplicates across parties), some are the same delivery captured at another hop (an extra
 * Received line: another item, the same delivery).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../../server/context.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';

export const JOINT_PARTIES = [
  { name: 'MSN Hotmail', batesPrefix: 'MSN', domain: 'hotmail.example' },
  { name: 'Laposte.net', batesPrefix: 'LPN', domain: 'laposte.example' },
] as const;

export interface JointDelivery {
  message: number;
  recipient: string;
  /** Indexes into JOINT_PARTIES of the parties that harvested it. */
  holders: number[];
  /** The party whose acquisition brought it first into the case (MSN is ingested first). */
  first: number;
  /** The party whose users' domain the recipient is in. */
  owner: number;
}

export interface JointTruth {
  deliveries: JointDelivery[];
  messages: number;
  /** Files written per party (samples). */
  samples: number[];
}

const MESSAGES = 30;
const MSN_RANGE = [0, 16] as const; // messages MSN harvests
const LPN_RANGE = [10, 30] as const; // messages Laposte.net harvests
const SAME_BYTES = [10, 13] as const; // of the overlap, these are the same bytes in both harvests

function recipients(k: number): string[] {
  const out = [`user${k % 7}@hotmail.example`];
  if (k % 2 === 0) out.push(`user${k % 5}@laposte.example`);
  return out;
}

function message(k: number, recipient: string, extraHop: boolean): string {
  const day = String(1 + (k % 9)).padStart(2, '0');
  const lines = [
    ...(extraHop
      ? [`Received: from relay2.laposte.example by mx.laposte.example; ${day} Dec 2005 10:00:05 +0000`]
      : []),
    `Delivered-To: ${recipient}`,
    `Return-Path: <bot${k % 4}@spam.example>`,
    `Received: from [198.51.100.${k % 4}] by mx1.example; ${day} Dec 2005 10:00:00 +0000`,
    `From: bot${k % 4}@spam.example`,
    `To: ${recipient}`,
    `Subject: Cheap watches ${k}`,
    `Date: Tue, ${day} Dec 2005 10:00:00 +0000`,
    `Message-ID: <joint-${k}@spam.example>`,
    '',
    `Replica watches, offer number ${k}.`,
    '',
  ];
  return lines.join('\n');
}

/** Writes the two harvests under `dir` (dir/msn, dir/lpn) and returns the truth. */
export function writeJointHarvests(dir: string): JointTruth {
  const folders = JOINT_PARTIES.map((p) => path.join(dir, p.batesPrefix.toLowerCase()));
  for (const f of folders) fs.mkdirSync(f, { recursive: true });
  const deliveries: JointDelivery[] = [];
  const samples = [0, 0];
  for (let k = 0; k < MESSAGES; k++) {
    for (const [r, recipient] of recipients(k).entries()) {
      const holders: number[] = [];
      if (k >= MSN_RANGE[0] && k < MSN_RANGE[1]) {
        fs.writeFileSync(path.join(folders[0]!, `m${k}-r${r}.eml`), message(k, recipient, false));
        holders.push(0);
        samples[0]! += 1;
      }
      if (k >= LPN_RANGE[0] && k < LPN_RANGE[1]) {
        const sameBytes = k >= SAME_BYTES[0] && k < SAME_BYTES[1];
        fs.writeFileSync(path.join(folders[1]!, `m${k}-r${r}.eml`), message(k, recipient, !sameBytes));
        holders.push(1);
        samples[1]! += 1;
      }
      const owner = recipient.endsWith('@laposte.example') ? 1 : 0;
      deliveries.push({ message: k, recipient, holders, first: holders[0]!, owner });
    }
  }
  return { deliveries, messages: MESSAGES, samples };
}

/** Creates the case `slug` and ingests MSN's harvest, then Laposte.net's, as traps. */
export async function buildJointCase(ctx: Context, slug: string, dir: string): Promise<JointTruth> {
  const truth = writeJointHarvests(dir);
  await createCase(ctx, {
    slug,
    title: 'Microsoft and Laposte.net v. Doe',
    parties: JOINT_PARTIES.map((p) => ({ name: p.name, batesPrefix: p.batesPrefix })),
  });
  for (const p of JOINT_PARTIES) {
    await ingest(ctx, {
      caseSlug: slug,
      party: p.name,
      method: 'trap',
      paths: [path.join(dir, p.batesPrefix.toLowerCase())],
    });
  }
  return truth;
}
