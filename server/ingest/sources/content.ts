/**
 * One unit's bytes (a file, a member, a decompressed stream) to events: sniff, then ZIP, gzip,
 * mbox or one message. Throws a Rejection when the unit gives nothing; the unit's reader turns it
 * into a 'rejected' event.
 */
import { ChunkReader } from './chunk-reader.ts';
import { decompress } from './decompress.ts';
import { rejected } from './events.ts';
import type { SourceEvent } from './events.ts';
import { unwrapMessage } from './inner-messages.ts';
import { innerMessageLocator, mboxEntryLocator } from './locator.ts';
import { MboxSplitter } from './mbox-splitter.ts';
import type { MboxEntry } from './mbox-splitter.ts';
import { Rejection, asRejection } from './rejection.ts';
import { SNIFF_BYTES, sniff } from './sniff.ts';
import { openZipBuffer, readZipEntries } from './zip-archive.ts';
import type { Position, ReadContext } from './zip-archive.ts';

export async function* readContent(
  source: ChunkReader,
  position: Position,
  context: ReadContext,
): AsyncGenerator<SourceEvent> {
  const { limits } = context;
  const kind = sniff(await source.peek(SNIFF_BYTES));
  if (kind === 'zip' || kind === 'gzip') {
    if (position.layers + 1 > limits.maxArchiveDepth) {
      throw new Rejection(`archive nested deeper than ${limits.maxArchiveDepth} levels (maxArchiveDepth)`);
    }
  }
  const inner: Position = { ...position, layers: position.layers + 1 };
  switch (kind) {
    case 'zip': {
      // Random access is needed: an archive inside an archive is held in memory, within a limit.
      const bytes = await source.readAll(limits.maxNestedZipBytes);
      if (bytes === null)
        throw new Rejection(`ZIP inside an archive larger than ${limits.maxNestedZipBytes} bytes (maxNestedZipBytes)`);
      let zipfile;
      try {
        zipfile = await openZipBuffer(bytes);
      } catch (err) {
        throw asRejection(err, 'corrupt ZIP archive');
      }
      yield* readZipEntries(zipfile, inner, context, readContent);
      return;
    }
    case 'gzip': {
      const inflated = decompress(source, 'gzip', context.budget, limits);
      try {
        yield* readContent(new ChunkReader(inflated), inner, context);
      } catch (err) {
        throw asRejection(err, 'corrupt gzip data');
      } finally {
        await inflated.return(undefined);
      }
      return;
    }
    case 'mbox':
      yield* readMbox(source, position, context);
      return;
    case 'message': {
      const bytes = await source.readAll(limits.maxMessageBytes);
      if (bytes === null) throw new Rejection(`message larger than ${limits.maxMessageBytes} bytes (maxMessageBytes)`);
      if (bytes.length === 0) throw new Rejection('empty file');
      yield* messageEvents(bytes, position.locator, null, context);
      return;
    }
  }
}

async function* readMbox(source: ChunkReader, position: Position, context: ReadContext): AsyncGenerator<SourceEvent> {
  const splitter = new MboxSplitter(context.limits.maxMessageBytes);
  for (;;) {
    const chunk = await source.read();
    const entries = chunk === null ? splitter.end() : splitter.push(chunk);
    for (const entry of entries) yield* mboxEntryEvents(entry, position.locator, context);
    if (chunk === null) return;
  }
}

function mboxEntryEvents(entry: MboxEntry, mboxLocator: string, context: ReadContext): SourceEvent[] {
  const locator = mboxEntryLocator(mboxLocator, entry.number);
  if (entry.bytes === null) {
    return [
      rejected(locator, `message larger than ${context.limits.maxMessageBytes} bytes (maxMessageBytes)`, entry.size),
    ];
  }
  if (entry.bytes.length === 0) return [rejected(locator, 'empty mbox entry', 0)];
  return messageEvents(entry.bytes, locator, entry.envelopeSender, context);
}

/** One message: a sample, or a wrapper followed by the samples it carries. */
export function messageEvents(
  bytes: Buffer,
  locator: string,
  envelopeSender: string | null,
  context: Pick<ReadContext, 'limits' | 'unwrapForwards' | 'unwrapBounces'>,
): SourceEvent[] {
  let unwrapped = null;
  try {
    unwrapped = unwrapMessage(
      bytes,
      { forwards: context.unwrapForwards, bounces: context.unwrapBounces },
      context.limits,
    );
  } catch {
    unwrapped = null; // the walker is bounded and lenient; should it still fail, the message stays whole
  }
  if (unwrapped === null) return [{ type: 'sample', locator, bytes, envelopeSender, wrapperLocator: null }];
  const events: SourceEvent[] = [{ type: 'wrapper', locator, bytes, kind: unwrapped.kind }];
  unwrapped.messages.forEach((inner, i) => {
    events.push({
      type: 'sample',
      locator: innerMessageLocator(locator, i + 1),
      bytes: inner,
      envelopeSender: unwrapped.envelopeSender,
      wrapperLocator: locator,
    });
  });
  return events;
}
