'use strict';
// Reading and writing of IDX tensors (the MNIST file format) of unsigned bytes, shared by the
// data scripts. Header: two zero bytes, element type 0x08, rank, then one big-endian uint32 per
// dimension; gzip is recognised by its magic bytes, as flowpp's IdxFormat does.
const fs = require('fs');
const zlib = require('zlib');

const UNSIGNED_BYTE = 0x08;

function readIdx(file) {
  let bytes = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    bytes = zlib.gunzipSync(bytes);
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UNSIGNED_BYTE) {
    throw new Error(`${file}: not an unsigned-byte IDX file`);
  }
  const rank = bytes[3];
  const shape = [];
  for (let d = 0; d < rank; d++) {
    shape.push(bytes.readUInt32BE(4 + 4 * d));
  }
  const offset = 4 + 4 * rank;
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + count) {
    throw new Error(`${file}: header declares ${count} bytes of data, file has ${bytes.length - offset}`);
  }
  return { shape, data: bytes.subarray(offset) };
}

// gzip without a file name and with mtime 0, so the same tensor always gives the same bytes.
function writeIdx(file, shape, data) {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = UNSIGNED_BYTE;
  header[3] = shape.length;
  shape.forEach((size, d) => header.writeUInt32BE(size, 4 + 4 * d));
  const gz = zlib.gzipSync(Buffer.concat([header, Buffer.from(data)]), { level: 9 });
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, gz);
  fs.renameSync(partial, file);
}

module.exports = { readIdx, writeIdx };
