// kafkajs 2.2.4 (its last release; the project is unmaintained) re-arms a timer on every broker connection after
// each response and then forever: RequestQueue.scheduleCheckPendingRequests schedules a check even when nothing is
// pending, with a negative delay (Node runs it after 1 ms and warns: TimeoutNegativeWarning), and that check schedules
// the next. Every connection of every app woke its event loop ~1,000 times a second while idle (an idle gateway: 1,640
// epoll wake-ups/s, 4–6 % of a core). Known upstream (kafkajs issues 1556, 1704, 1751; fixes open, none released).
// The check is only needed when requests wait: sends that find the queue free go out at once, a response runs the
// check itself, and a request that must wait (in-flight limit, broker throttling) schedules it when it is queued.
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

const FIXED = Symbol.for('hl7-router.kafkajs.request-queue.idle-check');

interface RequestQueuePrototype {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
  [FIXED]?: true;
}

/** Schedules kafkajs' pending-request check only when requests are pending. Idempotent; true once in place. */
export function checkPendingRequestsOnlyWhenPending(): boolean {
  const prototype = (RequestQueue as { prototype: RequestQueuePrototype }).prototype;
  if (prototype[FIXED]) return true;
  const schedule = prototype.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function') return false;
  prototype.scheduleCheckPendingRequests = function (this: RequestQueuePrototype) {
    if (this.pending.length > 0) schedule.call(this);
  };
  prototype[FIXED] = true;
  return true;
}
