/**
 * queue/: the waiting room and admission. Redis only; it imports no other project folder.
 */
export {};
