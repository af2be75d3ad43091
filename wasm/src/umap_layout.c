/* umap_layout.c — see umap_layout.h. */
#include "umap_layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "umap_sgd_f32.h"

es_status umap_layout_init(umap_layout_state *s, const umap_sgd_params *p, const umap_graph *g, float *head,
                           float *tail, int dim, es_error *err) {
    memset(s, 0, sizeof *s);
    s->p = *p;
    s->dim = dim;
    s->head_embedding = head;
    s->tail_embedding = tail;
    s->graph = g;
    s->alpha = p->initial_alpha;
    size_t ne = g->nnz ? (size_t)g->nnz : 1;
    s->epochs_per_sample = malloc(sizeof(double) * ne);
    s->epoch_of_next_sample = malloc(sizeof(double) * ne);
    s->epochs_per_negative_sample = malloc(sizeof(double) * ne);
    s->epoch_of_next_negative_sample = malloc(sizeof(double) * ne);
    if (!s->epochs_per_sample || !s->epoch_of_next_sample || !s->epochs_per_negative_sample ||
        !s->epoch_of_next_negative_sample) {
        umap_layout_free(s);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for %ld edges", g->nnz);
    }
    umap_make_epochs_per_sample(g->val, g->nnz, p->n_epochs, s->epochs_per_sample);
    for (long e = 0; e < g->nnz; e++) {
        double eps = s->epochs_per_sample[e];
        s->epoch_of_next_sample[e] = eps;
        s->epochs_per_negative_sample[e] = p->negative_sample_rate > 0 ? eps / p->negative_sample_rate : INFINITY;
        s->epoch_of_next_negative_sample[e] = s->epochs_per_negative_sample[e];
    }
    return ES_OK;
}

void umap_layout_free(umap_layout_state *s) {
    free(s->epochs_per_sample);
    free(s->epoch_of_next_sample);
    free(s->epochs_per_negative_sample);
    free(s->epoch_of_next_negative_sample);
    memset(s, 0, sizeof *s);
}

#define fast_pow umap_fast_powf

static inline float clip4(float v) { return v > 4.f ? 4.f : (v < -4.f ? -4.f : v); }

/* Inlined twice: with DIM = 2 (the map; constant loop bounds) and with the state's dimension. */
static inline __attribute__((always_inline)) void single_epoch_dim(umap_layout_state *s, int epoch, knn_rng *rng,
                                                                  const int DIM) {
    const int dim = DIM, n_vertices = s->graph->n_cols, move_other = s->p.move_other;
    const float a = s->p.a, b = s->p.b, gamma = s->p.gamma, alpha = s->alpha;
    const long *ptr = s->graph->ptr;
    const int32_t *tail = s->graph->col;
    float *head_emb = s->head_embedding, *tail_emb = s->tail_embedding;
    double *next = s->epoch_of_next_sample, *next_neg = s->epoch_of_next_negative_sample;
    const double *eps = s->epochs_per_sample, *eps_neg = s->epochs_per_negative_sample;
    for (int j = 0; j < s->graph->n_rows; j++)
        for (long i = ptr[j]; i < ptr[j + 1]; i++) {
            if (!(next[i] <= epoch)) continue;
            int k = tail[i];
            float *cur = head_emb + (size_t)j * dim, *oth = tail_emb + (size_t)k * dim;
            float d2 = 0.f;
            for (int t = 0; t < dim; t++) {
                float q = cur[t] - oth[t];
                d2 += q * q;
            }
            float gc = 0.f;
            if (d2 > 0.f) {
                float pb = fast_pow(d2, b);
                gc = (-2.f * a * b * pb / d2) / (a * pb + 1.f);
            }
            for (int t = 0; t < dim; t++) {
                float g = clip4(gc * (cur[t] - oth[t]));
                cur[t] += g * alpha;
                if (move_other) oth[t] += -g * alpha;
            }
            next[i] += eps[i];
            int n_neg = (int)((epoch - next_neg[i]) / eps_neg[i]);
            /* umap-learn skips a negative sample that is the head itself; when transforming, heads
             * and tails are different point sets and nothing is skipped */
            int self = move_other ? j : -1;
            /* The negative samples' pushes are computed from the point's position before them and then
             * summed (umap-learn applies them one after the other). The expected update is the same and
             * the difference is one step of at most 4*alpha per coordinate; it lets the samples run as
             * independent chains instead of one long serial dependency (the SGD is latency-bound). */
            float acc[DIM > 0 ? DIM : 1];
            for (int t = 0; t < dim; t++) acc[t] = 0.f;
            if (DIM == 2) { /* the map: batches of samples through the SIMD kernel */
                int32_t batch[32];
                for (int q0 = 0; q0 < n_neg; q0 += 32) {
                    int cnt = n_neg - q0 < 32 ? n_neg - q0 : 32;
                    for (int q = 0; q < cnt; q++) batch[q] = (int32_t)knn_rng_below(rng, (uint32_t)n_vertices);
                    float part[2];
                    umap_neg_2d(tail_emb, batch, cnt, cur, self, a, b, 2.f * gamma * b, part);
                    acc[0] += part[0];
                    acc[1] += part[1];
                }
            } else
                for (int q = 0; q < n_neg; q++) {
                    int kk = (int)knn_rng_below(rng, (uint32_t)n_vertices);
                    const float *o = tail_emb + (size_t)kk * dim;
                    float dd = 0.f;
                    for (int t = 0; t < dim; t++) {
                        float z = cur[t] - o[t];
                        dd += z * z;
                    }
                    if (dd > 0.f) {
                        float gn = 2.f * gamma * b / ((0.001f + dd) * (a * fast_pow(dd, b) + 1.f));
                        for (int t = 0; t < dim; t++) acc[t] += clip4(gn * (cur[t] - o[t]));
                    } else if (self != kk) {
                        /* coincident points get umap-learn's fixed push of 4 */
                        for (int t = 0; t < dim; t++) acc[t] += 4.f;
                    }
                }
            for (int t = 0; t < dim; t++) cur[t] += acc[t] * alpha;
            next_neg[i] += n_neg * eps_neg[i];
        }
}

static void single_epoch_2(umap_layout_state *s, int epoch, knn_rng *rng) { single_epoch_dim(s, epoch, rng, 2); }
static void single_epoch_any(umap_layout_state *s, int epoch, knn_rng *rng) { single_epoch_dim(s, epoch, rng, s->dim); }

void umap_optimize_layout_euclidean_single_epoch(umap_layout_state *s, int n, knn_rng *rng) {
    if (s->dim == 2) single_epoch_2(s, n, rng);
    else single_epoch_any(s, n, rng);
}

void umap_optimize_layout_euclidean(umap_layout_state *s, int k, knn_rng *rng) {
    for (int q = 0; q < k && s->epoch < s->p.n_epochs; q++) {
        umap_optimize_layout_euclidean_single_epoch(s, s->epoch, rng);
        /* as optimize_layout_euclidean: after epoch e (0-based), alpha = initial * (1 - e / n_epochs) */
        s->alpha = s->p.initial_alpha * (1.f - (float)s->epoch / (float)s->p.n_epochs);
        s->epoch++;
    }
}
