// keywords.js — cluster keywords by class-based TF-IDF, as BERTopic computes them
// (ClassTfidfTransformer over a CountVectorizer of the documents of each class joined together):
//
//   counts  c[k][t]  = occurrences of word t in the texts labelled k (noise -1 is a class too, so it
//                      weighs in the IDF as it does in BERTopic; it is left out of the result)
//   tf      c[k][t] / sum_t c[k][t]                         (L1-normalised rows)
//   idf     log(1 + A / f_t), A = trunc(mean_k sum_t c[k][t]) (average words per class, an integer as
//                      BERTopic's int()), f_t = sum_k c[k][t]  (the word's frequency over all classes)
//   score   tf * idf
//
// Words are tokenized like scikit-learn's CountVectorizer defaults: lowercase, then every maximal run
// of two or more word characters (letters, digits, underscore: the token pattern (?u)\b\w\w+\b), minus
// an English stop-word list. Pure JavaScript: it is small and needs no engine.
//
//   clusterKeywords(texts, labels, { topN: 8 })   // default 10; unknown options are errors
//     -> [{ label: 0, size: 12, keywords: [{ word: 'rain', score: 0.41 }, ...] }, ...]

import { EmbedscapeError } from './errors.js';
import { KEYWORDS_OPTIONS, checkOptions } from './options.js';

const KEYWORD_CALL = {
  ...KEYWORDS_OPTIONS,
  stopWords: { type: 'any', default: 'english', help: "'english', an array or Set of words, or null for none" },
  bm25Weighting: { type: 'bool', default: false, help: "BERTopic's ClassTfidfTransformer bm25_weighting" },
  reduceFrequentWords: { type: 'bool', default: false, help: "BERTopic's ClassTfidfTransformer reduce_frequent_words" },
};

/** Common English function words (articles, pronouns, auxiliaries, prepositions, conjunctions,
 * quantifiers, frequent adverbs) that carry no topic. */
export const ENGLISH_STOP_WORDS = Object.freeze(new Set(`
a about above across after afterwards again against ago all almost alone along already also although
always am among amongst an and another any anybody anyhow anyone anything anyway anywhere are around as
at away back be became because become becomes becoming been before beforehand behind being below beside
besides between beyond both but by can cannot could couldn did didn do does doesn doing don done down
during each eg either else elsewhere enough etc even ever every everybody everyone everything everywhere
except few for former formerly from further had hadn has hasn have haven having he hence her here
hereafter hereby herein hers herself him himself his how however ie if in indeed instead into is isn it
its itself just last latter latterly least less let like ll made make many may me meanwhile might mine
more moreover most mostly much must my myself namely neither never nevertheless next no nobody none
noone nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours
ourselves out over own per perhaps please quite rather re really same shall she should shouldn since so
some somebody somehow someone something sometime sometimes somewhere still such than that the their
theirs them themselves then thence there thereafter thereby therefore therein thereupon these they this
those though through throughout thru thus to together too toward towards under until up upon us ve very
via was wasn we well were weren what whatever when whence whenever where whereafter whereas whereby
wherein whereupon wherever whether which while whither who whoever whole whom whose why will with within
without won would wouldn yet you your yours yourself yourselves
`.trim().split(/\s+/)));

const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/**
 * Words of a text as CountVectorizer's default analyzer sees them (lowercased, 2+ word characters),
 * without stop words.
 * @param {string} text @param {Set<string>|null} [stopWords]
 * @returns {string[]}
 */
export function wordTokens(text, stopWords = ENGLISH_STOP_WORDS) {
  const out = [];
  for (const m of String(text).toLowerCase().matchAll(TOKEN)) {
    if (!stopWords || !stopWords.has(m[0])) out.push(m[0]);
  }
  return out;
}

function stopSet(stopWords) {
  if (stopWords === undefined || stopWords === 'english') return ENGLISH_STOP_WORDS;
  if (stopWords === null || stopWords === false) return null;
  if (stopWords instanceof Set) return stopWords;
  if (Array.isArray(stopWords)) return new Set(stopWords.map((w) => String(w).toLowerCase()));
  throw new EmbedscapeError("stopWords must be 'english', an array or Set of words, or null");
}

/**
 * Keywords of every cluster by class-based TF-IDF (BERTopic's c-TF-IDF).
 * @param {string[]} texts
 * @param {ArrayLike<number>} labels one per text; -1 = noise (counted in the IDF, not reported)
 * @param {{topN?: number, stopWords?: 'english'|string[]|Set<string>|null, bm25Weighting?: boolean,
 *   reduceFrequentWords?: boolean}} [opts] topN keywords per cluster (default 10, as the session's); bm25Weighting and
 *   reduceFrequentWords are BERTopic's ClassTfidfTransformer options of the same names
 * @returns {{label: number, size: number, keywords: {word: string, score: number}[]}[]} clusters by label
 */
export function clusterKeywords(texts, labels, opts = {}) {
  if (!Array.isArray(texts)) throw new EmbedscapeError('texts must be an array of strings');
  if (!labels || labels.length !== texts.length) {
    throw new EmbedscapeError(`labels must have one entry per text (${texts.length}), got ${labels?.length ?? 0}`);
  }
  const o = checkOptions(KEYWORD_CALL, opts, 'clusterKeywords', null);
  const topN = o.topN;
  const stop = stopSet(o.stopWords);

  // one bag of words per class
  const classes = new Map(); // label -> {size, counts: Map<word, n>, total}
  for (let i = 0; i < texts.length; i++) {
    const label = Number(labels[i]);
    if (!Number.isInteger(label) || label < -1) throw new EmbedscapeError(`label ${labels[i]} of text ${i} is not an integer >= -1`);
    let c = classes.get(label);
    if (!c) { c = { size: 0, counts: new Map(), total: 0 }; classes.set(label, c); }
    c.size++;
    for (const w of wordTokens(texts[i], stop)) {
      c.counts.set(w, (c.counts.get(w) ?? 0) + 1);
      c.total++;
    }
  }
  if (classes.size === 0) return [];
  // word frequency over all classes, and the average number of words per class
  const freq = new Map();
  let sumTotals = 0;
  for (const c of classes.values()) {
    sumTotals += c.total;
    for (const [w, k] of c.counts) freq.set(w, (freq.get(w) ?? 0) + k);
  }
  const avg = Math.trunc(sumTotals / classes.size);
  const idf = new Map();
  for (const [w, f] of freq) {
    idf.set(w, o.bm25Weighting ? Math.log(1 + (avg - f + 0.5) / (f + 0.5)) : Math.log(avg / f + 1));
  }

  const out = [];
  for (const label of [...classes.keys()].filter((l) => l !== -1).sort((a, b) => a - b)) {
    const c = classes.get(label);
    const scored = [];
    for (const [w, k] of c.counts) {
      let tf = k / c.total;
      if (o.reduceFrequentWords) tf = Math.sqrt(tf);
      const score = tf * idf.get(w);
      if (score > 0) scored.push({ word: w, score });
    }
    // highest score first; equal scores alphabetically, so the order never depends on the input order
    scored.sort((a, b) => (b.score - a.score) || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
    out.push({ label, size: c.size, keywords: scored.slice(0, topN) });
  }
  return out;
}

