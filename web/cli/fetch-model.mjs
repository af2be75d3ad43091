// fetch-model.mjs — `embedscape fetch-model`: the same command as `npm run fetch-model`
// (models/fetch-model.mjs holds the code, so the two can never differ).
export { summary, usage, options, run } from '../../models/fetch-model.mjs';
