export { rng } from '../helpers/random.js';
