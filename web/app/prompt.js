// prompt.js — step 13, "Language model ❤️ markdown": a ready prompt in Markdown (a short instruction
// to name and describe each cluster, then each cluster's keywords and most representative texts,
// bounded in size for large inputs) with a Copy button; the model's answer pasted back (headings or
// "N: name" lines) names the clusters on the map, in the legend, the table and every export.
// buildPrompt and parseNames are plain functions (no DOM), tested outside a browser too.

import { $ } from './dom.js';
import { representatives, oneLine } from './exports.js';
import { whenNear } from './plot.js';

/** The prompt stays below this many characters (chat boxes and small models have limits). */
export const PROMPT_MAX_CHARS = 12000;

const cut = (t, max) => { const s = oneLine(t).trim(); return s.length > max ? `${s.slice(0, max - 1)}…` : s; };

/**
 * The prompt: the instruction, then per cluster (largest first) its size, keywords and most
 * representative texts. Fewer texts per cluster (down to 2), then fewer clusters (the smallest left
 * out, said so) keep it under maxChars.
 * @param {{texts: string[], labels: ArrayLike<number>, probabilities?: ArrayLike<number>|null,
 *   outlierScores?: ArrayLike<number>|null, clusters: {label: number, size: number, keywords?: {word: string}[]}[]}} m
 * @returns {{text: string, clusters: number, perCluster: number, left: number}}
 */
export function buildPrompt(m, { maxChars = PROMPT_MAX_CHARS, perCluster = 8, textChars = 160 } = {}) {
  const sorted = [...m.clusters].sort((a, b) => b.size - a.size || a.label - b.label);
  const reps = representatives(m, perCluster);
  const noise = Array.from(m.labels).filter((l) => l < 0).length;
  const head = (k) => [
    '# Name these clusters',
    '',
    `I grouped ${m.texts.length} short texts into ${sorted.length} cluster${sorted.length === 1 ? '' : 's'} by meaning ` +
      `(sentence embeddings, UMAP and HDBSCAN${noise ? `; ${noise} texts fit no cluster and are left out` : ''}). ` +
      'Below, each cluster has its keywords and its most typical texts.',
    '',
    'For every cluster, give a short name (two to five words) and one sentence saying what its texts have in common. ' +
      'Answer in Markdown with one heading per cluster, using the cluster numbers given, exactly in this form:',
    '',
    '## 0: Short name',
    'One sentence about the cluster.',
    '',
    ...(k < sorted.length ? [`(${sorted.length - k} smaller clusters are left out to keep this short.)`, ''] : []),
    '---',
    '',
  ];
  const block = (c, per) => {
    const words = (c.keywords ?? []).slice(0, 8).map((w) => w.word).filter(Boolean);
    return [`### Cluster ${c.label} (${c.size} text${c.size === 1 ? '' : 's'})`, '',
      ...(words.length ? [`Keywords: ${words.join(', ')}`, ''] : []),
      ...(reps.get(c.label) ?? []).slice(0, per).map((i) => `- ${cut(m.texts[i], textChars)}`), ''];
  };
  // the blocks of the clusters that fit after the instruction (each block's size is known, so the cut is one pass)
  const fit = (per) => {
    const blocks = [];
    let size = head(0).join('\n').length + 80; // + the line saying how many were left out
    for (const c of sorted) {
      const b = block(c, per).join('\n');
      if (blocks.length && size + b.length + 1 > maxChars) break;
      blocks.push(b);
      size += b.length + 1;
    }
    return blocks;
  };
  let per = perCluster, blocks = fit(per);
  while (blocks.length < sorted.length && per > 2) blocks = fit(--per);
  const k = blocks.length;
  const text = [...head(k), ...blocks].join('\n');
  return { text, clusters: k, perCluster: per, left: sorted.length - k };
}

const LABEL_LINE = /^(?:[-*+]\s+)?(?:cluster\s+)?(\d+)\s*(?::|[.)\]]\s|\s[-–—]\s)\s*(.+)$/i;
const LABEL_COLON = /^(?:[-*+]\s+)?(?:cluster\s+)?(\d+)\s*:\s*(.+)$/i;

/**
 * Reads a language model's answer: headings "## 3: Name" ("## Cluster 3 — Name", "### 3. Name")
 * with an optional sentence under them, or lines "3: Name" (also "3: Name — a sentence", "- 3: Name").
 * @param {string} answer
 * @returns {Map<number, {name: string, description: string}>}
 */
export function parseNames(answer) {
  const out = new Map();
  let current = null;
  for (const raw of String(answer).split(/\r\n|\n|\r/)) {
    const line = raw.trim();
    if (!line) { if (current && current.description) current = null; continue; }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const content = (heading ? heading[1] : line).replace(/\*\*|__|`/g, '').trim();
    const m = (heading ? LABEL_LINE : LABEL_COLON).exec(content);
    if (m) {
      let name = m[2].replace(/\s*\(\d+\s+texts?\)\s*$/i, '').trim();
      let description = '';
      const dash = /^(.+?)\s+[–—]\s+(.+)$/.exec(name);
      if (dash) { name = dash[1].trim(); description = dash[2].trim(); }
      name = name.replace(/^["“'‘]+|["”'’]+$/g, '').trim();
      if (!name) continue;
      current = { name, description };
      out.set(Number(m[1]), current);
      if (description || !heading) current = null; // a sentence under it belongs to a heading only
      continue;
    }
    if (heading) { current = null; continue; }
    // the first plain sentence under a heading describes the cluster
    if (current && !current.description && !/^[-*+]\s|^keywords\s*:/i.test(line)) current.description = line.replace(/\*\*|__/g, '');
  }
  return out;
}

export function mount(app) {
  const state = app.state;
  let built = null;

  const near = whenNear($('step-prompt'));
  const refresh = () => near(build);

  function build() {
    const ready = !!state.labels && state.clusters.length > 0;
    for (const id of ['prompt-copy', 'answer-apply']) $(id).disabled = !ready;
    $('answer-text').disabled = !ready;
    if (!ready) {
      built = null;
      $('prompt-text').value = '';
      $('prompt-size').textContent = state.labels ? 'No clusters to name at these settings.' : 'The prompt appears once the texts are clustered.';
      return;
    }
    built = buildPrompt(state);
    $('prompt-text').value = built.text;
    $('prompt-size').textContent = `${built.text.length.toLocaleString('en-US')} characters · ${built.clusters} cluster${built.clusters === 1 ? '' : 's'}` +
      ` · up to ${built.perCluster} texts each${built.left ? ` · ${built.left} smaller clusters left out` : ''}`;
  }

  $('prompt-copy').addEventListener('click', async () => {
    if (!built) return;
    let ok = false;
    try { await navigator.clipboard.writeText(built.text); ok = true; } catch { /* not allowed here: select it instead */ }
    if (!ok) {
      const ta = $('prompt-text');
      ta.focus();
      ta.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
    }
    $('prompt-copied').textContent = ok ? 'Copied. Paste it into a chat with a language model.' : 'Selected: press Ctrl+C (⌘C) to copy it.';
  });

  $('answer-apply').addEventListener('click', () => {
    const names = parseNames($('answer-text').value);
    if (!names.size) {
      $('answer-result').textContent = 'No names found: the answer should have headings like “## 0: Short name” or lines like “0: Short name”.';
      return;
    }
    const known = new Set(state.clusters.map((c) => c.label));
    const unknown = [...names.keys()].filter((l) => !known.has(l));
    const set = app.setClusterNames(new Map([...names].filter(([l]) => known.has(l))));
    $('answer-result').textContent = `Named ${set} of ${state.clusters.length} cluster${state.clusters.length === 1 ? '' : 's'}` +
      (unknown.length ? `; no cluster ${unknown.join(', ')} on this map (left out)` : '') + '. The map, the legend, the tables and the exports use the names now.';
  });

  app.on('keywords', refresh); // after every new clustering (its keywords follow the labels at once)
  app.on('stopped', refresh);
  app.on('map-opened', refresh);
  app.on('reset', () => { $('answer-result').textContent = ''; $('prompt-copied').textContent = ''; refresh(); });
  app.workshop ??= {};
  app.workshop.prompt = { get text() { return built?.text ?? ''; }, buildPrompt, parseNames };
  refresh();
}
