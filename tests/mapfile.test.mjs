// parseMapFile, the one validator of saved maps (the page and <embedscape-map> both use it): a map
// file is treated as hostile input. Every bad field gives an EmbedscapeError naming the field and
// index; good maps keep their unknown fields; nothing bad gets through as a 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ROOT } from './helpers.mjs';
import { createMapFile, parseMapFile } from '../web/lib/mapfile.js';
import { EmbedscapeError } from '../web/lib/errors.js';

const good = () => ({
  format: 'embedscape-map', version: 1, created: '2026-01-01T00:00:00.000Z', model: 'm',
  params: { umap: { n_neighbors: 15 }, hdbscan: { min_cluster_size: 5 } },
  texts: ['a', 'b', 'c', 'd'], x: [0, 1, 2, 3], y: [3, 2, 1, 0], labels: [0, 0, 1, -1],
  probabilities: [1, 0.5, 1, 0], outlier_scores: [0, 0.1, 0.2, 1],
  clusters: [{ label: 0, size: 2, keywords: [{ word: 'w', score: 0.4 }] }, { label: 1, size: 1, keywords: [] }],
});

/** good() with `path` (a.b[2].c) set to v; v === DELETE removes it. */
const DELETE = Symbol('delete');
function withField(p, v) {
  const m = good();
  const keys = p.replace(/\[(\d+)\]/g, '.$1').split('.');
  let o = m;
  for (const k of keys.slice(0, -1)) o = o[k];
  if (v === DELETE) delete o[keys.at(-1)]; else o[keys.at(-1)] = v;
  return m;
}

const BAD = [
  // the labels that used to become 0
  ['labels[2]', 'x', 'map file: labels[2] must be an integer >= -1, got "x"'],
  ['labels[2]', 1.5, 'map file: labels[2] must be an integer >= -1, got 1.5'],
  ['labels[2]', null, 'map file: labels[2] must be an integer >= -1, got null'],
  ['labels[2]', true, 'map file: labels[2] must be an integer >= -1, got true'],
  ['labels[2]', 2 ** 32, 'map file: labels[2] must be an integer <= 2147483647, got 4294967296'],
  ['labels[0]', -2, 'map file: labels[0] must be an integer >= -1, got -2'],
  ['labels[0]', '0', 'map file: labels[0] must be an integer >= -1, got "0"'],
  ['labels[1]', NaN, 'map file: labels[1] must be an integer >= -1, got NaN'],
  ['labels', [0, 0, 1], 'map file: "labels" has 3 entries but "texts" has 4; they must be equally long'],
  ['labels', 'x', 'map file: "labels" must be an array, got "x"'],
  ['labels', DELETE, 'map file: "labels" must be an array, got nothing'],
  // coordinates and texts
  ['x[3]', null, 'map file: x[3] must be a finite number, got null'],
  ['y[0]', Infinity, 'map file: y[0] must be a finite number, got Infinity'],
  ['y[0]', '1', 'map file: y[0] must be a finite number, got "1"'],
  ['x', [0, 1], 'map file: "x" has 2 entries but "texts" has 4; they must be equally long'],
  ['texts[1]', 7, 'map file: texts[1] must be a string, got 7'],
  ['texts[1]', { text: 'b' }, 'map file: texts[1] must be a string, got {"text":"b"}'],
  ['texts', 'abcd', 'map file: "texts" must be an array, got "abcd"'],
  // probabilities and scores in [0, 1]
  ['probabilities[1]', 1.5, 'map file: probabilities[1] must be a number in [0, 1], got 1.5'],
  ['probabilities[1]', -0.1, 'map file: probabilities[1] must be a number in [0, 1], got -0.1'],
  ['probabilities[1]', null, 'map file: probabilities[1] must be a number in [0, 1], got null'],
  ['probabilities', [1, 1], 'map file: "probabilities" has 2 entries but "texts" has 4; they must be equally long'],
  ['outlier_scores[3]', 2, 'map file: outlier_scores[3] must be a number in [0, 1], got 2'],
  ['outlier_scores', {}, 'map file: "outlier_scores" must be an array, got {}'],
  // clusters: objects with the fields the page reads
  ['clusters', [null], 'map file: clusters[0] must be an object {label, size, keywords}, got null'],
  ['clusters', 'x', 'map file: "clusters" must be an array, got "x"'],
  ['clusters[1]', [1], 'map file: clusters[1] must be an object {label, size, keywords}, got [1]'],
  ['clusters[0].keywords', 'x', 'map file: clusters[0].keywords must be an array of {word, score}, got "x"'],
  ['clusters[0].keywords[0]', 'w', 'map file: clusters[0].keywords[0] must be an object {word, score}, got "w"'],
  ['clusters[0].keywords[0].word', 3, 'map file: clusters[0].keywords[0].word must be a string, got 3'],
  ['clusters[0].keywords[0].score', '0.4', 'map file: clusters[0].keywords[0].score must be a finite number, got "0.4"'],
  ['clusters[0].keywords[0].score', NaN, 'map file: clusters[0].keywords[0].score must be a finite number, got NaN'],
  ['clusters[0].label', -1, 'map file: clusters[0].label must be an integer >= 0, got -1'],
  ['clusters[0].label', '0', 'map file: clusters[0].label must be an integer >= 0, got "0"'],
  ['clusters[0].label', 2 ** 40, 'map file: clusters[0].label must be an integer <= 2147483647, got 1099511627776'],
  ['clusters[1].label', 0, 'map file: clusters[1].label 0 is listed twice (also clusters[0])'],
  ['clusters[0].size', 2.5, 'map file: clusters[0].size must be an integer from 0 to 4 (the number of texts), got 2.5'],
  ['clusters[0].size', 5, 'map file: clusters[0].size must be an integer from 0 to 4 (the number of texts), got 5'],
  ['clusters[0].name', 42, 'map file: clusters[0].name must be a string, got 42'],
  ['clusters[0].description', ['d'], 'map file: clusters[0].description must be a string, got ["d"]'],
  // the rest of the top level
  ['format', 'other', /^map file: "format" must be "embedscape-map", got "other"/],
  ['version', 2, /^map file: version 2 is not supported/],
  ['model', 3, 'map file: "model" must be a string or null, got 3'],
  ['created', 0, 'map file: "created" must be a string, got 0'],
  ['params', [], 'map file: "params" must be an object, got []'],
  ['params.umap', 'x', 'map file: params.umap must be an object, got "x"'],
  ['params.hdbscan.min_cluster_size', { valueOf: 5 }, /^map file: params\.hdbscan\.min_cluster_size must be a number, string, boolean or null/],
];

test('bad map files: each violation names the field and index', () => {
  for (const [field, value, want] of BAD) {
    const m = withField(field, value);
    for (const input of [m, ...(Number.isNaN(value) || value === Infinity ? [] : [JSON.stringify(m)])]) {
      assert.throws(() => parseMapFile(input), (e) => {
        assert.ok(e instanceof EmbedscapeError, `${field}: ${e}`);
        if (typeof want === 'string') assert.equal(e.message, want, field);
        else assert.match(e.message, want, field);
        return true;
      }, `${field} = ${String(value)} must be refused`);
    }
  }
});

test('not a map at all', () => {
  for (const [input, re] of [
    ['{"format": "embedscape-map", ', /^map file is not valid JSON/],
    ['[]', /^map file: the top level must be a JSON object, got \[\]/],
    ['null', /^map file: the top level must be a JSON object, got null/],
    ['"map"', /must be a JSON object, got "map"/],
    [42, /must be a JSON object, got 42/],
    [undefined, /must be a JSON object, got nothing/],
  ]) assert.throws(() => parseMapFile(input), (e) => e instanceof EmbedscapeError && re.test(e.message), String(input));
});

test('a good map: checked copies, typed arrays, unknown fields kept but separate from what is read', () => {
  const m = { ...good(), extra: { anything: [1, 2] }, clusters: [{ label: 0, size: 2, keywords: [{ word: 'w', score: 0.4, note: 'x' }], name: 'N', colour: 'red' }] };
  const p = parseMapFile(JSON.stringify(m));
  assert.equal(p.n, 4);
  assert.deepEqual(Array.from(p.labelsArray), [0, 0, 1, -1]);
  assert.deepEqual(Array.from(p.xy.data), [0, 3, 1, 2, 2, 1, 3, 0]);
  assert.deepEqual(p.extra, { anything: [1, 2] });
  assert.deepEqual(p.clusters, m.clusters);
  // the result does not share arrays with the input: changing one leaves the other
  const q = parseMapFile(m);
  q.labels[0] = 'x';
  q.clusters[0].keywords.push({ word: 'z', score: 1 });
  assert.equal(m.labels[0], 0);
  assert.equal(m.clusters[0].keywords.length, 1);
  // optional parts: no probabilities (all 1), no clusters, no params, no outlier scores, null model
  const bare = { format: 'embedscape-map', version: 1, texts: ['a'], x: [0], y: [0], labels: [-1] };
  const b = parseMapFile(bare);
  assert.deepEqual([b.probabilities, b.clusters, b.params, b.outlier_scores, b.model], [[1], [], {}, undefined, undefined]);
  assert.equal(parseMapFile({ ...bare, texts: [], x: [], y: [], labels: [] }).n, 0);
});

test('what embedscape writes, it reads: createMapFile and the example map', () => {
  const xy = { data: Float32Array.from([0, 0, 1, 1, 2, 2]), n: 3, dim: 2 };
  const made = createMapFile({ texts: ['a', 'b', 'c'], xy, labels: Int32Array.from([0, 0, -1]), probabilities: Float32Array.from([1, 0.5, 0]), outlierScores: Float32Array.from([0, 0.5, 1]) });
  const p = parseMapFile(JSON.stringify(made));
  assert.deepEqual(p.clusters, [{ label: 0, size: 2, keywords: [] }]);
  const example = readFileSync(path.join(ROOT, 'web', 'examples', 'five-topics.map.json'), 'utf8');
  assert.ok(parseMapFile(example).n > 0);
});
