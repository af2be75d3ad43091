// model.js — where the page's model comes from (web/app/modelsource.js: ?model=, a folder next to the
// page, the Hugging Face Hub with the browser's cache, or files the user picks), the model panel that
// asks when no source answers, and the warm-up while the user looks at the texts.

import { $, fmtBytes } from './dom.js';
import * as source from './modelsource.js';

export function mount(app) {
  const { api } = app;
  let modelPromise = null;
  let pickedModel = null; // a folder the user chose
  let pendingChoice = null;
  let localModel = null; // looking for a model folder next to the page, once: a promise of its URL or null
  let warming = false;

  /** The Hub's copy, through the browser's cache; says so when a file could not be kept there. */
  const hubFolder = () => source.hubFolder(source.HUB_BASE, {
    onNotKept: (file, e) => app.notKept(`the model ${source.MODEL_NAME}`, 'the model is downloaded again on your next visit', e),
  });

  function setBadge(text, ok = false) {
    const b = $('model-badge');
    b.textContent = text;
    b.classList.toggle('ok', ok);
  }

  function progressShown(label) {
    $('model-progress-row').hidden = false;
    $('model-panel').hidden = false;
    return ({ loaded, total }) => {
      $('model-progress').max = total || 1;
      $('model-progress').value = loaded;
      $('model-progress-text').textContent = total ? `${label}: ${fmtBytes(loaded)} of ${fmtBytes(total)}` : `${label}: ${fmtBytes(loaded)}`;
    };
  }

  /** Waits for the user to choose: download from the Hub, or pick files. Resolves to {folder, label}. */
  function askForModel({ bytes, reachable }, reason = '') {
    $('model-panel').hidden = false;
    $('model-actions').hidden = false;
    const dl = $('model-download');
    dl.hidden = false;
    dl.textContent = reachable ? `Download ${source.MODEL_NAME} (${fmtBytes(bytes)})` : 'Try the download again';
    dl.dataset.bytes = String(bytes);
    if (reason && !/[.!?]$/.test(reason)) reason += '.';
    const where = `Put a copy in models/${source.MODEL_NAME}/ next to this page, or choose it here (the model folder, or its files: config.json, tokenizer.json, model.safetensors and the rest).`;
    $('model-message').textContent = [reason,
      reachable
        ? `The page needs the model ${source.HUB_REPO} (${fmtBytes(bytes)}). Download it once from Hugging Face — your browser keeps it for next time — or choose a copy you already have.`
        : `The page needs the model ${source.HUB_REPO} (about ${fmtBytes(bytes)}), but Hugging Face cannot be reached from here (offline?). ${where}`,
    ].filter(Boolean).join(' ');
    (reachable ? dl : $('model-folder')).focus();
    return new Promise((resolve) => { pendingChoice = resolve; });
  }

  /**
   * Where the model comes from; asks the user when no source answers. With {quiet: true} it neither
   * asks nor looks for a folder next to the page (each miss is a 404 in the console): null then.
   */
  async function resolveFolder({ quiet = false } = {}) {
    if (pickedModel) return { folder: pickedModel, label: 'reading the files' };
    const fromQuery = source.modelFromQuery();
    if (fromQuery) return { folder: source.urlFolder(fromQuery), label: 'loading the model' };
    if (quiet) return (await source.hubModelCached()) ? { folder: hubFolder(), label: 'reading the model from the browser cache' } : null;
    localModel ??= source.findLocalModel(source.localCandidates());
    const local = await localModel;
    if (local) return { folder: source.urlFolder(local), label: 'loading the model' };
    if (await source.hubModelCached()) return { folder: hubFolder(), label: 'reading the model from the browser cache' };
    return askForModel(await source.hubDownloadSize());
  }

  /** Loads the model from the first source that works; asks the user when none does. */
  async function loadLoop(first = null) {
    let choice = first ?? await resolveFolder();
    for (;;) {
      setBadge('model: loading…');
      const onBytes = progressShown(choice.label);
      const t0 = performance.now();
      try {
        const m = await api.loadModel(source.withProgress(choice.folder, onBytes, choice.expected ?? 0), {
          onProgress: (p) => {
            if (p.status === 'load') $('model-progress-text').textContent = `starting the model in ${p.workers ?? 'the'} worker${p.workers === 1 ? '' : 's'}…`;
          },
        });
        $('model-panel').hidden = true;
        $('model-progress-row').hidden = true;
        showModel(m);
        app.emit('model-ready', { model: m, seconds: (performance.now() - t0) / 1000 });
        return m;
      } catch (e) {
        if (app.isAbort(e)) throw e;
        pickedModel = null;
        $('model-progress-row').hidden = true;
        setBadge('model: not loaded');
        choice = await askForModel(await source.hubDownloadSize(), `The model could not be loaded: ${e.message}`);
      }
    }
  }

  /** The loaded model; the first call loads it. Cancelling stops waiting, not the loading. */
  app.getModel = (signal) => {
    if (!modelPromise) {
      modelPromise = loadLoop();
      modelPromise.catch(() => { modelPromise = null; });
    }
    if (!signal) return modelPromise;
    return Promise.race([modelPromise, new Promise((_, reject) => {
      const stop = () => reject(signal.reason ?? new DOMException('cancelled', 'AbortError'));
      if (signal.aborted) stop();
      signal.addEventListener('abort', stop, { once: true });
    })]);
  };

  /**
   * Gets ready while the user looks at their texts: starts the workers (each compiles the engine) and,
   * when the model is at hand without asking or searching (?model= address, browser cache), loads it.
   */
  app.warmUp = async () => {
    if (warming || app.model || modelPromise) return;
    warming = true;
    try {
      api.getDefaultPool().start().catch(() => {});
      const choice = await resolveFolder({ quiet: true });
      if (!choice || app.model || modelPromise) return;
      modelPromise = loadLoop(choice);
      modelPromise.catch(() => { modelPromise = null; });
    } catch {
      // nothing lost: the Embed button tries again and says what is wrong
    } finally {
      warming = false;
    }
  };

  function showModel(m) {
    app.state.modelName = m.name ?? source.MODEL_NAME;
    setBadge(`model: ${app.state.modelName} · ${m.dim ?? '?'} dimensions`, true);
    $('foot-model').textContent = app.state.modelName;
  }

  /** The user chose a source in the model panel. */
  function choose(choice) {
    const f = pendingChoice;
    pendingChoice = null;
    if (f) f(choice);
    else if (choice.folder) pickedModel = choice.folder;
  }

  $('model-download').addEventListener('click', () => {
    $('model-download').hidden = true;
    choose({ folder: hubFolder(), label: 'downloading from Hugging Face', expected: Number($('model-download').dataset.bytes) || 0 });
  });
  const pick = async (e) => {
    const files = [...(e.target.files ?? [])]; // copied: clearing the input empties its FileList
    e.target.value = '';
    if (!files.length) return;
    try {
      const folder = await source.pickedFolder(files);
      pickedModel = folder;
      choose({ folder, label: 'reading the files' });
    } catch (err) {
      app.error(err);
    }
  };
  $('model-folder').addEventListener('change', pick);
  $('model-files').addEventListener('change', pick);

  const q = source.modelFromQuery();
  if (q) setBadge(`model: ${decodeURIComponent(new URL(q).pathname.split('/').filter(Boolean).pop() ?? 'custom')} (from the address)`);
  else setBadge(`model: ${source.MODEL_NAME}`);
}
