/**
 * A tiny ZIP writer for tests: builds archives real tools refuse to make (traversal names,
 * lying headers, bombs). Not a test file itself.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  data: Buffer | string;
  /** Default 'deflate'. */
  method?: 'store' | 'deflate';
  /** General purpose flags; bit 0 = encrypted. */
  flags?: number;
  /** Header values that lie about the data. */
  headerUncompressedSize?: number;
  headerCrc32?: number;
  /** The name's raw bytes (e.g. CP437 or Shift_JIS, without the UTF-8 flag) instead of `name`. */
  rawName?: Buffer;
  /** Central directory external attributes (Unix mode in the high 16 bits: 0o120777 is a symlink). */
  externalAttributes?: number;
  /** Central directory entry points at an earlier member's local header (an overlapping entry). */
  offsetOf?: number;
}

export function buildZip(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const offsets: number[] = [];
  for (const member of members) {
    const data = typeof member.data === 'string' ? Buffer.from(member.data) : member.data;
    const method = member.method === 'store' ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const name = member.rawName ?? Buffer.from(member.name, 'utf8');
    const crc = member.headerCrc32 ?? crc32(data);
    const size = member.headerUncompressedSize ?? data.length;
    const flags = (member.flags ?? 0) | (member.rawName ? 0 : 0x800); // names are UTF-8 unless raw
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x3321, 12); // 2005-09-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    // Made by: Unix when a mode is given.
    central.writeUInt16LE(member.externalAttributes === undefined ? 20 : 0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x3321, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(member.externalAttributes ?? 0, 38);
    central.writeUInt32LE(member.offsetOf === undefined ? offset : offsets[member.offsetOf]!, 42);
    offsets.push(offset);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}
