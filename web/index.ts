/**
 * web/: the shopper's, brand's and operator's pages, built with Vite and served by the edge. Pages import only types
 * from edge/; these are the response shapes they read and the socket contract of `/drops`.
 */
export type {
  AdmissionJson,
  AdmittedPush,
  AuditJson,
  ClientToServerEvents,
  DropJson,
  DropListResponse,
  DropMetricsJson,
  DropOrdersResponse,
  FieldError,
  HoardingJson,
  HoldPush,
  MyReservationsResponse,
  OrderJson,
  OrderListResponse,
  PayResponse,
  Problem,
  QueueMeJson,
  QueuePush,
  QueueStateJson,
  ReservationJson,
  ServerToClientEvents,
  SessionResponse,
  StatusPush,
  StockPush,
  StockSnapshot,
  UserJson,
  WatchAck,
} from '../edge/index.js';
