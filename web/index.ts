/**
 * web/: the shopper's, brand's and operator's pages, built with Vite and served by the edge. Pages import only types
 * from edge/; these are the response shapes they read.
 */
export type { DropJson, DropListResponse, Problem, SessionResponse, UserJson } from '../edge/index.js';
