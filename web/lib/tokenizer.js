// tokenizer.js — the BERT WordPiece tokenizer of a model folder, run by the engine.
export const ops = {};
