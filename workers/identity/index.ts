/**
 * workers/identity/: users and brands in PostgreSQL (passwords arrive hashed). It imports no other project folder
 * and no sibling; edge/ (sign-up, sign-in, sessions) and drops/ (a drop's actor and its brand) may enter it, and
 * infra/ wires it.
 */
export { createUsersStore, type NewUser, type Role, type User, type UsersStore } from './users-store.js';
export { EmailTakenError } from './errors.js';
