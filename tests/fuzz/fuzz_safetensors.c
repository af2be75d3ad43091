/* fuzz_safetensors.c — libFuzzer target: any bytes given to the safetensors reader and the model
 * loader produce a status, never a crash, leak or out-of-bounds read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1); /* exact-size buffer so ASan sees overreads */
    if (!copy) return 0;
    memcpy(copy, data, size);
    st_file *f = NULL;
    es_error err;
    if (st_open(copy, size, &f, &err) == ES_OK) {
        for (int i = 0; i < f->n_tensors; i++) {
            const st_tensor *t = &f->tensors[i];
            size_t n = st_numel(t);
            if (n <= (1u << 20) && (t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16)) {
                float *dst = malloc((n ? n : 1) * sizeof(float));
                if (dst) { st_read_f32(f, t, dst, &err); free(dst); }
            }
        }
        st_free(f);
        static const char *cfg = "{\"hidden_size\":4,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"intermediate_size\":4,"
                                 "\"vocab_size\":3,\"max_position_embeddings\":4,\"hidden_act\":\"gelu\"}";
        bert_files files = {cfg, NULL, NULL, NULL, copy, size};
        bert_model *m = NULL;
        if (bert_model_load(&files, bert_model_default_params(), &m, &err) == ES_OK) bert_model_free(m);
    }
    free(copy);
    return 0;
}
