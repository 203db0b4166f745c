/**
 * Worker thread body for AnalyzePool: analyzes batches of samples posted by the ingest thread.
 * Receives { id, items: [{ bytes, envelopeRecipient, sha256 }] }, answers { id, results }.
 */
import { parentPort } from 'node:worker_threads';
import { analyzeSample, type Analysis } from './analyze.ts';

export interface AnalyzeRequest {
  id: number;
  items: Array<{ bytes: Uint8Array; envelopeRecipient: string | null; sha256: string | null }>;
}

export interface AnalyzeResponse {
  id: number;
  results: Analysis[];
}

parentPort?.on('message', (req: AnalyzeRequest) => {
  const results = req.items.map((item) =>
    analyzeSample(Buffer.from(item.bytes.buffer, item.bytes.byteOffset, item.bytes.byteLength), item.envelopeRecipient, item.sha256),
  );
  parentPort!.postMessage({ id: req.id, results } satisfies AnalyzeResponse);
});
