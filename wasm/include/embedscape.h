/* embedscape.h — the engine's C interface in one include: the status type and every stage's header.
 * Each stage lives in wasm/src/<stage>.{h,c} with a create/run/free lifecycle and says in its header
 * how it is used; the headers listed second are a stage's parts (its steps, as the Python libraries
 * split them), for code that drives a step on its own.
 *
 *   tokenizer.h    WordPiece tokenizer (Hugging Face's BertTokenizer semantics)
 *   safetensors.h  safetensors reader; model.h  a sentence-transformers model folder
 *   bert.h         the BERT encoder and pooling (all-MiniLM-L6-v2 and its kin)
 *   similarity.h   cosine similarity, one-vs-all and top-k
 *   knn.h          exact and NN-descent k nearest neighbours (also in parts, for several engines)
 *   umap.h         UMAP (umap-learn's semantics): fit, epochs, transform
 *     umap_graph.h, umap_spectral.h, umap_layout.h   its fuzzy graph, initial layout and SGD
 *   hdbscan.h      HDBSCAN (the hdbscan library's semantics): tree once, cuts per option
 *     hdbscan_mst.h, hdbscan_kdtree.h, hdbscan_neighbors.h, hdbscan_tree.h, npsort.h   its parts
 *   kernels_check.h  the kernels' self-checks and the GEMM micro-benchmark */
#ifndef EMBEDSCAPE_H
#define EMBEDSCAPE_H

#include "status.h"
#include "tokenizer.h"
#include "safetensors.h"
#include "model.h"
#include "bert.h"
#include "similarity.h"
#include "knn.h"
#include "umap.h"
#include "umap_graph.h"
#include "umap_spectral.h"
#include "umap_layout.h"
#include "hdbscan.h"
#include "hdbscan_mst.h"
#include "hdbscan_kdtree.h"
#include "hdbscan_neighbors.h"
#include "hdbscan_tree.h"
#include "npsort.h"
#include "kernels_check.h"

#endif
