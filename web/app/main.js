// main.js — the page: one module per step, each mounted on the shared app (app.js); this file only
// wires them, in the order of the page (the order of the workshop's talk).
//   what embedding means → input → model → embedding → one vector → why angles → similarity →
//   the graph (UMAP 1) → the forces (UMAP 2) → map → clusters (HDBSCAN) → sweep the threshold →
//   what to do with clusters → language model ❤️ markdown → exports
// defaults.js (the sliders' starting values for the number of texts) comes before the steps whose
// sliders it sets: on 'reset' it reads them before they are fitted to the new number of texts.
// Heavy work runs in the session's workers; what reruns after a change is the session's rule
// (web/lib/pipeline.js).

import { createApp } from './app.js';
import * as input from './input.js';
import * as model from './model.js';
import * as embed from './embed.js';
import * as vector from './vector.js';
import * as similarity from './similarity.js';
import * as map from './map.js';
import * as clusters from './clusters.js';
import * as exportbar from './exportbar.js';
import * as openmap from './openmap.js';
import * as colorby from './colorby.js';
import * as filters from './filters.js';
import * as selection from './selection.js';
import * as cache from './cache.js';
import * as estimate from './estimate.js';
import * as urlstate from './urlstate.js';
import * as opening from './opening.js';
import * as angles from './angles.js';
import * as graph from './graph.js';
import * as forces from './forces.js';
import * as sweep from './sweep.js';
import * as defaults from './defaults.js';
import * as clusternames from './clusternames.js';
import * as prompt from './prompt.js';

const app = createApp();
const steps = [input, model, defaults, opening, embed, vector, angles, similarity, graph, forces, map, clusters, colorby, filters, selection,
  sweep, clusternames, prompt, exportbar, openmap, cache, estimate, urlstate];
for (const step of steps) step.mount(app);
app.setPhase('idle');

// for the curious (and for tests): the page's state is inspectable from the console
globalThis.embedscape = { state: app.state, view: app.view, api: app.api, app };
