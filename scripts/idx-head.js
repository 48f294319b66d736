#!/usr/bin/env node
'use strict';
// Writes the first N entries (along the first dimension) of an IDX file as a gzipped IDX file.
//
// usage: node idx-head.js <input[.gz]> <output.gz> <N>
const { readIdx, writeIdx } = require('./idx');

const [input, output, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (!input || !output || !Number.isInteger(count) || count <= 0) {
  console.error('usage: node idx-head.js <input[.gz]> <output.gz> <N>');
  process.exit(2);
}
const { shape, data } = readIdx(input);
if (count > shape[0]) {
  console.error(`${input}: has ${shape[0]} entries, fewer than the ${count} requested`);
  process.exit(1);
}
const entry = shape.slice(1).reduce((a, b) => a * b, 1);
writeIdx(output, [count, ...shape.slice(1)], data.subarray(0, count * entry));
