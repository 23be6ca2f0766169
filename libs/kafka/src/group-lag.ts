import type { TopicAdmin } from './kafka-types.js';

/**
 * Records on `topics` a consumer group has not committed yet: the sum over partitions of the high-water mark minus
 * the committed offset (a partition the group never committed counts from offset 0). Read at scrape time by the
 * apps' lag gauges; two admin requests per topic.
 */
export async function groupLag(admin: TopicAdmin, groupId: string, topics: readonly string[]): Promise<number> {
  let lag = 0;
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([admin.endOffsets(topic), admin.committedOffsets(groupId, topic)]);
    for (const end of ends) {
      const at = committed.find((c) => c.partition === end.partition)?.offset ?? '-1';
      lag += Math.max(0, Number(end.offset) - Math.max(0, Number(at)));
    }
  }
  return lag;
}
