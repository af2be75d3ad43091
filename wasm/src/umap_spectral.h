/* umap_spectral.h — UMAP's spectral initialisation (umap-learn's spectral.py): the leading
 * non-trivial eigenvectors of the fuzzy graph's normalised Laplacian, per connected component when
 * the graph is disconnected.
 *
 * Basic usage (umap.c):
 *     if (n_components == 1) st = umap_spectral_layout(&g, dim, &rng, y, &err);          // y (n, dim)
 *     else st = umap_multi_component_layout(x, d, metric, &g, label, n_components, dim, &rng, y, &err);
 *     // ES_ERR_NUMERIC: no usable eigenvectors; the caller starts from a random layout instead
 */
#ifndef EMBEDSCAPE_UMAP_SPECTRAL_H
#define EMBEDSCAPE_UMAP_SPECTRAL_H

#include "knn.h"
#include "status.h"
#include "umap_graph.h"

/* The dim eigenvectors of I - D^-1/2 W D^-1/2 with the smallest eigenvalues after the trivial one,
 * of a connected square graph g, by Lanczos with full re-orthogonalisation (start vector from rng).
 * out (g->n_rows, dim). ES_ERR_NUMERIC when the solve does not produce dim vectors. */
es_status umap_spectral_layout(const umap_graph *g, int dim, knn_rng *rng, float *out, es_error *err);

/* umap-learn's multi_component_layout for a graph of n_components components (label (n) from
 * umap_connected_components): centroids of x (n, d) under `metric` placed spectrally (or on the
 * +-axes when there are at most 2 dim components), each component laid out by umap_spectral_layout
 * on its own subgraph (randomly when tiny) and scaled to half the distance to the nearest other
 * centroid. out (n, dim). */
es_status umap_multi_component_layout(const float *x, int d, knn_metric metric, const umap_graph *g,
                                      const int32_t *label, int n_components, int dim, knn_rng *rng, float *out,
                                      es_error *err);

#endif
