import assert from 'node:assert/strict';
import zlib from 'node:zlib';

// The tests' reader of the XLSX exports (src/server/api/spreadsheet.ts writes them by hand).

/** The files of a zip archive (stored or deflated), read from its local headers, each checked against its CRC-32. */
export function unzip(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (buf.readUInt32LE(at) === 0x04034b50) {
    const method = buf.readUInt16LE(at + 8);
    const crc = buf.readUInt32LE(at + 14);
    const size = buf.readUInt32LE(at + 18);
    const nameLen = buf.readUInt16LE(at + 26);
    const extra = buf.readUInt16LE(at + 28);
    const name = buf.subarray(at + 30, at + 30 + nameLen).toString('utf8');
    const data = buf.subarray(at + 30 + nameLen + extra, at + 30 + nameLen + extra + size);
    const plain = method === 8 ? zlib.inflateRawSync(data) : data;
    assert.equal(zlib.crc32(plain), crc, `${name}: its CRC-32`);
    out.set(name, plain.toString('utf8'));
    at += 30 + nameLen + extra + size;
  }
  assert.equal(buf.readUInt32LE(at), 0x02014b50, 'the central directory follows the files');
  return out;
}
