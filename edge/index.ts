/**
 * edge/: the HTTP API (Hono) and the Socket.IO gateway. Handlers validate, call the other folders' index
 * APIs and map the result; errors become problem+json.
 */
export { createApp, type Edge, type EdgeDeps } from './app.js';
export type { HoldPushes } from './shopper-holds.js';
export { startServer, type RunningServer } from './server.js';
export { attachGateway, type Gateway } from './gateway/index.js';
export { createAdmissionTokens, type Admission, type AdmissionTokens } from './auth/admission.js';
export { createTokenService, type Role, type Session, type TokenService } from './auth/tokens.js';
export { createSessionEnds, type SessionEnds } from './auth/ended-sessions.js';
export {
  createPasswords,
  hashPassword,
  SCRYPT_COST,
  verifyPassword,
  type Passwords,
} from './auth/password.js';
export { createHashPool, type HashPool, type ScryptCost } from './auth/hash-pool.js';
export { createLoginGuard, type LoginGuard } from './auth/login-guard.js';
export { createEdgeKeys, type EdgeKeys } from './keys.js';
export { createRateLimiter, unlimited, type RateLimiter } from './middleware/rate-limit.js';
export { isOutage, PROBLEMS, type Problem, type ProblemCode, type FieldError } from './problems.js';
export { SESSION_COOKIE } from './middleware/session.js';
export type { EdgeEnv } from './context.js';
export type { DropJson, DropListResponse } from './routes/drops.js';
export type {
  PutWebhookBody,
  WebhookDeliveryJson,
  WebhookDeliveryListResponse,
  WebhookEndpointJson,
} from './routes/webhooks.js';
export type { DropImageJson } from './routes/drop-images.js';
export type { SessionResponse, SignInResponse, UserJson } from './routes/identity.js';
export type { AdminUserJson, AdminUserListResponse, UserAuditJson } from './routes/admin-users.js';
export { createGuestMerge, type GuestMerge, type MergedJson } from './guest-merge.js';
export type { ReadyResponse } from './routes/health.js';
export type { QueueStateJson } from './queue-state.js';
export type { AdmissionJson, AuditJson, DropMetricsJson } from './routes/admin-drops.js';
export type { OverviewDropJson, OverviewJson } from './routes/admin-overview.js';
export { edgeScripts } from './scripts.js';
export { createGuestChallenges, type GuestChallenges } from './guest-challenge.js';
export { createHolders, DEVICE_HEADER, type HoardingReport, type Holders } from './holders.js';
export { PROOF_HEADER, solveChallenge, solvedBits } from './proof-of-work.js';
export type { ChallengeJson, QueueMeJson } from './routes/queue.js';
export type { HoardingJson } from './routes/hoarding.js';
export { createStockCache, type StockCache, type StockSnapshot } from './stock-cache.js';
export type {
  MyReservationJson,
  MyReservationsResponse,
  PayResponse,
  ReservationJson,
} from './routes/reservations.js';
export type {
  OrderJson,
  OrderListResponse,
  DropOrderJson,
  DropOrdersResponse,
  OnShipped,
  ShipmentJson,
  ShopperOrderJson,
  ShopperOrderListResponse,
} from './routes/orders.js';
export type { ShipmentRequest, ShipmentResponse } from './routes/fulfilment.js';
export type { DropSalesResponse, SalesPointJson } from './routes/drop-sales.js';
export type {
  AdmissionSummary,
  AdmittedBatch,
  AdmittedPush,
  ClientToServerEvents,
  DropRequest,
  HoldPush,
  PlacePush,
  InterServerEvents,
  JoinAck,
  QueuePush,
  ServerToClientEvents,
  SocketErrorJson,
  SocketFailure,
  StatusPush,
  StockPush,
  WatchAck,
} from './socket-contract.js';
