/* umap_layout.h — UMAP's layout optimisation (umap-learn's layouts.py, optimize_layout_euclidean):
 * SGD over the edges of the fuzzy graph, each sampled every epochs_per_sample epochs, with
 * negative_sample_rate random repulsive samples per positive one, gradients clipped at 4 and a
 * learning rate that decays linearly to 0.
 *
 * Basic usage:
 *     umap_layout_state s;
 *     umap_sgd_params p = {a, b, gamma, alpha0, 5, n_epochs, 1};
 *     st = umap_layout_init(&s, &p, &graph, y, y, dim, &err);   // fit: head and tail are the same y
 *     while (s.epoch < p.n_epochs) umap_optimize_layout_euclidean(&s, 10, &rng);   // step, draw, repeat
 *     umap_layout_free(&s);
 *
 * The state keeps the per-edge schedules; the graph and both embeddings stay the caller's and must
 * outlive it. Determinism: the same state and RNG state give the same bytes.
 *
 * One deliberate difference from umap-learn: the negative samples of one positive sample push the
 * point from its position before them and their pushes are summed (umap-learn applies them one by
 * one). Same expected update, at most 4*alpha per coordinate apart; it lets them run as independent
 * SIMD lanes.
 */
#ifndef EMBEDSCAPE_UMAP_LAYOUT_H
#define EMBEDSCAPE_UMAP_LAYOUT_H

#include "knn.h"
#include "status.h"
#include "umap_graph.h"

typedef struct umap_sgd_params {
    float a, b;               /* the low-dimensional curve 1 / (1 + a d^(2b)) */
    float gamma;              /* repulsion_strength */
    float initial_alpha;      /* learning rate of epoch 0 */
    int negative_sample_rate; /* repulsive samples per positive sample (0: none) */
    int n_epochs;             /* the schedule's length */
    int move_other;           /* 1: the tail of an edge moves too (fit); 0: only heads move (transform) */
} umap_sgd_params;

typedef struct umap_layout_state {
    umap_sgd_params p;
    int dim;
    float *head_embedding;    /* (graph->n_rows, dim), moved */
    float *tail_embedding;    /* (graph->n_cols, dim); the same array as head_embedding when fitting */
    const umap_graph *graph;  /* edges: row = head, column = tail */
    double *epochs_per_sample, *epoch_of_next_sample;                   /* (graph->nnz) */
    double *epochs_per_negative_sample, *epoch_of_next_negative_sample; /* (graph->nnz) */
    float alpha;              /* learning rate of the next epoch */
    int epoch;                /* epochs done */
} umap_layout_state;

/* Fills *s for optimising `head` against `tail` along the edges of g (weights > 0, as left by
 * umap_graph_prune). Allocates the schedules (4 doubles per edge); release with umap_layout_free. */
es_status umap_layout_init(umap_layout_state *s, const umap_sgd_params *p, const umap_graph *g, float *head,
                           float *tail, int dim, es_error *err);

void umap_layout_free(umap_layout_state *s);

/* Epoch n of optimize_layout_euclidean at learning rate s->alpha: every edge due by epoch n moves
 * its head (and tail when move_other) and draws its negative samples from rng. */
void umap_optimize_layout_euclidean_single_epoch(umap_layout_state *s, int n, knn_rng *rng);

/* Runs up to k more epochs (stops at p.n_epochs), decaying alpha after each as umap-learn does. */
void umap_optimize_layout_euclidean(umap_layout_state *s, int k, knn_rng *rng);

#endif
