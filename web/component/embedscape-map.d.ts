// embedscape-map.d.ts — TypeScript declarations of <embedscape-map> (web/component/embedscape-map.js),
// the web component that shows a saved embedscape map in any page.
//
//   import 'embedscape/component';
//   const el = document.createElement('embedscape-map');      // EmbedscapeMap
//   el.setAttribute('src', 'topics.map.json');
//   el.addEventListener('embedscape-load', (e) => console.log(e.detail.n, e.detail.clusters));
//   document.body.append(el);

import type { ClusterKeywords, MapFileData, MapParams, ResultMatrix } from '../embedscape.js';

// typed arrays over an ordinary ArrayBuffer (Int32Array<ArrayBuffer> on TypeScript >= 5.7)
type I32Array = ReturnType<Int32Array['slice']>;
type F32Array = ReturnType<Float32Array['slice']>;

/** A map checked by readMap: what the element draws. */
export interface MapData {
  /** number of points */
  n: number;
  texts: string[];
  /** coordinates, n x 2 */
  xy: ResultMatrix;
  /** cluster of each point, -1 = noise */
  labels: I32Array;
  /** membership strengths, null when the file has none */
  probabilities: F32Array | null;
  /** clusters with at least one point, largest first (labels the file does not list get no keywords) */
  clusters: ClusterKeywords[];
  /** number of noise points */
  noise: number;
  model: string | null;
  params: MapParams;
  /** the texts' vectors when the map was saved with them (decoded from int8), else null */
  vectors: ResultMatrix | null;
  /** the map object as given */
  source: MapFileData;
}

/**
 * Checks a parsed map JSON (with parseMapFile, the page's validator) and returns what the element
 * draws, without loading the engine. Throws an EmbedscapeError naming the field and index
 * ("map file: labels[17] must be an integer >= -1, got \"x\"").
 */
export declare function readMap(m: unknown): MapData;

/** A point under the pointer. */
export interface MapViewHit {
  index: number;
  text: string | undefined;
  /** null while the map has no labels */
  label: number | null;
  probability: number;
  /** the point's position in CSS px relative to the canvas */
  x: number;
  y: number;
  /** in the viewport */
  clientX: number;
  clientY: number;
}

/** The canvas map inside the element (web/lib/mapview.js): zoom, pan, search, highlight, PNG export. */
export interface MapView {
  readonly n: number;
  /** CSS px per data unit */
  readonly scale: number;
  /** centre of the view in data coordinates */
  readonly cx: number;
  readonly cy: number;
  /** true while the view follows the data (until the user zooms or pans) */
  readonly fitted: boolean;
  background: string | null;
  foreground: string;
  /** highlights the points whose text contains the query (case-insensitive); returns their indices */
  search(query: string): number[];
  /** emphasises some points and fades the rest; null clears */
  highlight(indices: Iterable<number> | null): void;
  /** marks one point as selected, -1 for none */
  select(index: number): void;
  fitView(): void;
  /** zooms around a point in CSS px relative to the canvas (default: its centre) */
  zoomBy(factor: number, px?: number, py?: number): void;
  panBy(dxPx: number, dyPx: number): void;
  /** screen position (CSS px relative to the canvas) of a data point */
  toScreen(x: number, y: number): [number, number];
  /** data coordinates of a screen point */
  toData(px: number, py: number): [number, number];
  /** index of the point nearest a screen position within `radius` CSS px (default 8), or -1 */
  pick(px: number, py: number, radius?: number): number;
  /** re-reads the canvas size; call after layout changes */
  resize(): void;
  redraw(): void;
  /** the map as a PNG at the canvas' resolution times `scale` (default 1) */
  toPNG(opts?: { scale?: number; background?: string }): Promise<Blob>;
}

/** detail of "embedscape-load": the map is drawn. */
export interface EmbedscapeLoadDetail {
  /** number of points */
  n: number;
  /** number of clusters */
  clusters: number;
}

/** detail of "embedscape-error": the map could not be downloaded or read. */
export interface EmbedscapeErrorDetail {
  message: string;
}

/** detail of "embedscape-place": a reader's text was embedded and placed on the map. */
export interface EmbedscapePlaceDetail {
  text: string;
  /** where it was placed, in map coordinates */
  x: number;
  y: number;
  /** the 5 most similar texts of the map, most similar first */
  nearest: { index: number; sim: number; text: string }[];
}

/** Events of <embedscape-map> (they bubble and cross the shadow boundary). */
export interface EmbedscapeMapEventMap extends HTMLElementEventMap {
  'embedscape-load': CustomEvent<EmbedscapeLoadDetail>;
  'embedscape-error': CustomEvent<EmbedscapeErrorDetail>;
  'embedscape-place': CustomEvent<EmbedscapePlaceDetail>;
}

/**
 * `<embedscape-map src="topics.map.json">`: a saved map with hover, zoom, pan, search, a legend of
 * clusters named by their keywords and a table alternative. Needs no model and no WebAssembly.
 *
 * Attributes, each also a property (`el.src = 'other.map.json'` loads another map):
 * - `src`: URL of the map JSON (relative to the page); changing it loads the new map
 * - `model`: optional URL of a model folder, or a Hugging Face Hub id: shows a box to place a
 *   reader's text on the map, embedded live in the browser (the model loads only when first used)
 * - `theme`: `auto` (default, follows prefers-color-scheme) | `light` | `dark`
 * - `loading`: `lazy` (default: when scrolled near the viewport) | `eager`
 * - `label`: accessible name of the map (default "Map of N texts in K clusters")
 *
 * Children are shown until the map is ready (e.g. a link to the JSON for readers without JavaScript).
 */
export declare class EmbedscapeMap extends HTMLElement {
  static readonly observedAttributes: string[];
  /** the src attribute, resolved against the document ('' without one) */
  src: string;
  /** the model attribute: a URL resolved against the document, or a Hub id as given ('' without one) */
  model: string;
  /** the theme attribute ('auto' when absent or unknown) */
  theme: 'auto' | 'light' | 'dark';
  /** the loading attribute ('lazy' when absent or unknown) */
  loading: 'lazy' | 'eager';
  /** the label attribute ('' for the default name) */
  label: string;
  /** the map shown (null until loaded) */
  readonly map: MapData | null;
  /** the canvas view (null until a map is shown) */
  readonly view: MapView | null;
  /** loads `src` again */
  reload(): Promise<void>;
  /** highlights the texts containing the query; returns their indices ([] before a map is shown) */
  search(query: string): number[];
  /** shows the whole map */
  fit(): void;
  /**
   * shows a map object (as saved by embedscape) without fetching anything; a bad one is refused: the
   * reason is shown in place of the map, "embedscape-error" fires and the error is thrown (a later
   * setMap or src change works as usual)
   */
  setMap(json: MapFileData): void;
  connectedCallback(): void;
  disconnectedCallback(): void;
  attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void;

  addEventListener<K extends keyof EmbedscapeMapEventMap>(
    type: K,
    listener: (this: EmbedscapeMap, ev: EmbedscapeMapEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof EmbedscapeMapEventMap>(
    type: K,
    listener: (this: EmbedscapeMap, ev: EmbedscapeMapEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'embedscape-map': EmbedscapeMap;
  }
}

// Only the names marked `export` above are exported (without this line a .d.ts exports all of them).
export {};
