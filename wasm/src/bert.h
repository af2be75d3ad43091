/* bert.h — the BERT forward pass: token ids in, one pooled (and, as the model folder says,
 * L2-normalised) vector per text out. Tokenisation happens elsewhere (tokenizer.h).
 *
 * Basic usage:
 *     // ids: the texts' token ids one after another ([CLS] … [SEP] each); lengths: tokens per text
 *     float *out = malloc((size_t)n_seq * m->cfg.n_embd * sizeof(float));
 *     if (bert_embed(m, ids, lengths, n_seq, out, &err) != ES_OK) ...;
 *
 * Token-wise layers (embeddings, the linear layers, LayerNorm, GELU) run on all real tokens of the
 * batch packed together; attention runs per text over its real tokens only (no padding). Every text's
 * vector is computed by the same operations in the same order whatever else is in the batch, so a
 * batch gives bit-identical vectors to one text at a time.
 */
#ifndef EMBEDSCAPE_BERT_H
#define EMBEDSCAPE_BERT_H

#include <stdint.h>

#include "model.h"
#include "status.h"

/* ids: sum(lengths) token ids; lengths: (n_seq), each in [1, max_position_embeddings];
 * out: (n_seq, n_embd), written. Scratch memory is kept in the model (grown on demand) and freed with it. */
es_status bert_embed(bert_model *m, const int32_t *ids, const int32_t *lengths, int n_seq, float *out, es_error *err);

/* The last hidden state of one text, before pooling: out is (n_tok, n_embd). For debugging and tests. */
es_status bert_hidden(bert_model *m, const int32_t *ids, int n_tok, float *out, es_error *err);

#endif
