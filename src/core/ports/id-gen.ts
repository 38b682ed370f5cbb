/** Ids are UUIDv7 in production: time-ordered, so pages and queues sort by id. */
export interface IdGen {
  next(): string;
}
