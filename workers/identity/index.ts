/**
 * workers/identity/: users and brands in PostgreSQL (passwords arrive hashed), and guests merged into the account
 * they signed up or signed in as (their orders and payments moved, the merge recorded). It imports no other project
 * folder and no sibling; edge/ (sign-up, sign-in, sessions) and drops/ (a drop's actor and its brand) may enter it,
 * and infra/ wires it.
 */
export {
  createUsersStore,
  type BrandListing,
  type BrandPage,
  type NewUser,
  type Role,
  type User,
  type UsersStore,
} from './users-store.js';
export { BrandNotFoundError, EmailTakenError } from './errors.js';
export {
  createUserAccess,
  type AccessChange,
  type ListedUser,
  type UserAccess,
  type UserAuditEntry,
  type UserQuery,
} from './user-access.js';
export { createGuestMerges, type GuestMergeRecords, type GuestMerges } from './guest-merges.js';
