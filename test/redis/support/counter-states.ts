/** What `counterStates` reads with: any client of the test harness that returns hash fields as Buffers. */
interface BufferHashReader {
  hgetallBuffer(key: string): Promise<Record<string, Buffer>>;
}

/**
 * The counters in one identity's hash, by counter key, each as the numbers RedisStorage packed into
 * its field `<key>#s` (little-endian doubles: a fixed window's count and reset time, a GCRA's tat and
 * rest, a sliding window's total then its pairs).
 */
export async function counterStates(client: BufferHashReader, identityKey: string): Promise<Record<string, number[]>> {
  const fields = await client.hgetallBuffer(identityKey);
  const states: Record<string, number[]> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (!field.endsWith('#s')) continue;
    states[field.slice(0, -2)] = Array.from({ length: value.length / 8 }, (_, i) => value.readDoubleLE(8 * i));
  }
  return states;
}
