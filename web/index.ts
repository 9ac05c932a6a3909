/**
 * web/: the shopper's, brand's and operator's pages, built with Vite and served by the edge. Pages import only types
 * from edge/; these are the response shapes they read.
 */
export type {
  AdmissionJson,
  AuditJson,
  DropJson,
  DropListResponse,
  DropMetricsJson,
  DropOrdersResponse,
  OrderJson,
  OrderListResponse,
  Problem,
  QueueStateJson,
  ReservationJson,
  SessionResponse,
  StockSnapshot,
  UserJson,
} from '../edge/index.js';
