// model.js — stage module (see web/embedscape.js for the public API it contributes to).
export const modelOps = {};
