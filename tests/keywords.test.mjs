// Cluster keywords: BERTopic's class-based TF-IDF, checked against values computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterKeywords, wordTokens, ENGLISH_STOP_WORDS } from '../web/lib/keywords.js';

const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('tokenizer: lowercase, runs of 2+ word characters, English stop words removed', () => {
  assert.deepEqual(wordTokens("The Sun's shining: it's a GREAT day_2 in São Paulo, isn't it? x 42"),
    ['sun', 'shining', 'great', 'day_2', 'são', 'paulo', '42']);
  assert.deepEqual(wordTokens('The cat and the hat', null), ['the', 'cat', 'and', 'the', 'hat']);
  assert.deepEqual(wordTokens('naïve café—über 東京タワー x_y', null), ['naïve', 'café', 'über', '東京タワー', 'x_y']);
  assert.ok(ENGLISH_STOP_WORDS.has('the') && ENGLISH_STOP_WORDS.has('because') && !ENGLISH_STOP_WORDS.has('weather'));
});

test('c-TF-IDF: tf per class times log(1 + A / f_t), A = average words per class', () => {
  // class 0: apple 2, banana 2, cherry 1 (5 words); class 1: cat 3, dog 1, mouse 1 (5 words)
  const texts = ['apple banana apple', 'the banana and a cherry', 'dog cat', 'cat mouse cat'];
  const r = clusterKeywords(texts, [0, 0, 1, 1], { topN: 3 });
  assert.equal(r.length, 2);
  assert.deepEqual(r.map((c) => [c.label, c.size]), [[0, 2], [1, 2]]);
  // A = 5; f: apple 2, banana 2, cherry 1, cat 3, dog 1, mouse 1
  assert.deepEqual(r[0].keywords.map((k) => k.word), ['apple', 'banana', 'cherry']);
  close(r[0].keywords[0].score, 0.4 * Math.log(5 / 2 + 1), 'apple');
  close(r[0].keywords[1].score, 0.4 * Math.log(5 / 2 + 1), 'banana');
  close(r[0].keywords[2].score, 0.2 * Math.log(5 / 1 + 1), 'cherry');
  assert.deepEqual(r[1].keywords.map((k) => k.word), ['cat', 'dog', 'mouse']);
  close(r[1].keywords[0].score, 0.6 * Math.log(5 / 3 + 1), 'cat');
  close(r[1].keywords[1].score, 0.2 * Math.log(6), 'dog');
});

test('c-TF-IDF: noise is a class in the IDF (as in BERTopic) but not reported; A is an integer', () => {
  // class 0: rain 2, umbrella 1 (3); class 1: sun 1, beach 1 (2); noise: rain 1, random 1, words 1 (3)
  const texts = ['rain rain umbrella', 'sun beach', 'rain random words'];
  const r = clusterKeywords(texts, Int32Array.from([0, 1, -1]));
  assert.deepEqual(r.map((c) => c.label), [0, 1]);
  const A = Math.trunc((3 + 2 + 3) / 3); // 2
  const k0 = Object.fromEntries(r[0].keywords.map((k) => [k.word, k.score]));
  close(k0.rain, (2 / 3) * Math.log(A / 3 + 1), 'rain (f = 3 with the noise class)');
  close(k0.umbrella, (1 / 3) * Math.log(A / 1 + 1), 'umbrella');
  assert.deepEqual(r[0].keywords.map((k) => k.word), ['umbrella', 'rain'], 'the rarer word wins: 0.366 > 0.341');
  const k1 = Object.fromEntries(r[1].keywords.map((k) => [k.word, k.score]));
  close(k1.sun, 0.5 * Math.log(A + 1), 'sun');
  assert.deepEqual(r[1].keywords.map((k) => k.word), ['beach', 'sun'], 'ties in alphabetical order');
});

test('options: topN, custom stop words, BERTopic weighting variants, errors', () => {
  const texts = ['alpha beta gamma delta', 'alpha beta', 'omega psi', 'omega'];
  const labels = [0, 0, 1, 1];
  assert.equal(clusterKeywords(texts, labels, { topN: 1 })[0].keywords.length, 1);
  assert.equal(clusterKeywords(texts, labels, { topN: 0 })[0].keywords.length, 0);
  const noAlpha = clusterKeywords(texts, labels, { stopWords: ['ALPHA'] });
  assert.ok(!noAlpha[0].keywords.some((k) => k.word === 'alpha'));
  // reduce_frequent_words: sqrt of the L1-normalised tf
  const red = clusterKeywords(texts, labels, { reduceFrequentWords: true });
  const A = Math.trunc((6 + 3) / 2); // 4
  close(red[0].keywords.find((k) => k.word === 'alpha').score, Math.sqrt(2 / 6) * Math.log(A / 2 + 1), 'reduced alpha');
  // bm25: log(1 + (A - f + 0.5) / (f + 0.5))
  const bm = clusterKeywords(texts, labels, { bm25Weighting: true });
  close(bm[1].keywords.find((k) => k.word === 'omega').score, (2 / 3) * Math.log(1 + (A - 2 + 0.5) / 2.5), 'bm25 omega');
  // a cluster with only stop words has no keywords; empty input gives no clusters
  assert.deepEqual(clusterKeywords(['the and of', 'real words here'], [0, 1])[0].keywords, []);
  assert.deepEqual(clusterKeywords([], []), []);
  assert.throws(() => clusterKeywords(['a'], [0, 1]), /one entry per text/);
  assert.throws(() => clusterKeywords(['a'], [1.5]), /not an integer/);
  assert.throws(() => clusterKeywords(['a'], [0], { topN: -1 }), /topN/);
});
