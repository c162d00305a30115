/** Input or output the local run cannot use; the message names it and says what to do. */
export class LocalRunError extends Error {}
