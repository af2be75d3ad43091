// main.js — the page: one module per step, each mounted on the shared app (app.js); this file only
// wires them, in the order of the page.
//   input → model → embedding → one vector → similarity → map (UMAP) → clusters (HDBSCAN) → exports
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
import * as urlstate from './urlstate.js';

const app = createApp();
for (const step of [input, model, embed, vector, similarity, map, clusters, colorby, filters, selection, exportbar, openmap, cache, urlstate]) step.mount(app);
app.setPhase('idle');

// for the curious (and for tests): the page's state is inspectable from the console
globalThis.embedscape = { state: app.state, view: app.view, api: app.api, app };
