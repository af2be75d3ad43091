// modelfiles.js — the files of a sentence-transformers model folder that embedscape reads: one list,
// used by the loaders (main side and worker side), the handout builder and the fetch script.

/** The files the engine builds a tokenizer from, in the order it takes them (tokenizer.json or vocab.txt is required). */
export const TOKENIZER_FILES = Object.freeze(['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'sentence_bert_config.json', 'special_tokens_map.json']);

/** The files the engine builds a BERT model from (config.json and model.safetensors are required). */
export const BERT_FILES = Object.freeze(['config.json', 'modules.json', '1_Pooling/config.json', 'sentence_bert_config.json', 'model.safetensors']);

/** Every file embedscape reads from a model folder, small ones first. */
export const MODEL_FILES = Object.freeze([
  'config.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json',
  'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'model.safetensors',
]);
