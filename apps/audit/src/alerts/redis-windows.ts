import type { Redis } from 'ioredis';

// Sorted set of event ids scored by event time: re-delivered events (same id) count once, and
// every replica adds to the same set, so two replicas do not each see half.
const SLIDING_WINDOW = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZCOUNT', KEYS[1], '(' .. (tonumber(ARGV[1]) - tonumber(ARGV[2])), '+inf')
`;

// Per-minute request count and its EWMA. A new minute folds the previous count into the EWMA,
// and minutes without traffic as zeros. Returns {count this minute, ewma, minutes observed}.
const RATE_BASELINE = `
local minute = tonumber(ARGV[1])
local alpha = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'minute', 'count', 'ewma', 'samples')
local current = tonumber(state[1])
local count = tonumber(state[2]) or 0
local ewma = tonumber(state[3]) or 0
local samples = tonumber(state[4]) or 0
if current == nil then
  current = minute
  count = 0
elseif minute > current then
  if samples == 0 then ewma = count else ewma = alpha * count + (1 - alpha) * ewma end
  samples = samples + 1
  local gap = math.min(minute - current - 1, 1440)
  for _ = 1, gap do ewma = (1 - alpha) * ewma end
  samples = samples + gap
  current = minute
  count = 0
elseif minute < current then
  return {-1, tostring(ewma), samples}
end
count = count + 1
redis.call('HSET', KEYS[1], 'minute', current, 'count', count, 'ewma', tostring(ewma), 'samples', samples)
redis.call('EXPIRE', KEYS[1], 7 * 86400)
return {count, tostring(ewma), samples}
`;

// Networks a client was seen from, with the last time. Returns {1 if this network is new (never
// seen, or not within the lookback), number of other networks on record}.
const SEEN_NETWORK = `
local previous = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local others = redis.call('HLEN', KEYS[1])
local now = tonumber(ARGV[2])
if previous ~= nil then others = others - 1 end
if previous == nil or previous < now then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
local isNew = 0
if previous == nil or now - previous > tonumber(ARGV[3]) then isNew = 1 end
return {isNew, others}
`;

interface WindowCommands {
  portcullisSlidingWindow(
    key: string,
    atMs: number,
    windowMs: number,
    member: string,
  ): Promise<number>;
  portcullisRateBaseline(
    key: string,
    minute: number,
    alpha: number,
  ): Promise<[number, string, number]>;
  portcullisSeenNetwork(
    key: string,
    network: string,
    atMs: number,
    lookbackMs: number,
    ttlSeconds: number,
  ): Promise<[number, number]>;
}

/** Counters the anomaly rules keep in Redis, shared by every audit replica. */
export class RedisWindows {
  readonly #redis: Redis & WindowCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('portcullisSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    redis.defineCommand('portcullisRateBaseline', { numberOfKeys: 1, lua: RATE_BASELINE });
    redis.defineCommand('portcullisSeenNetwork', { numberOfKeys: 1, lua: SEEN_NETWORK });
    this.#redis = redis as Redis & WindowCommands;
  }

  /** Adds the event to the window ending at its time; returns how many events the window holds. */
  count(key: string, eventId: string, at: Date, windowSeconds: number): Promise<number> {
    return this.#redis.portcullisSlidingWindow(
      `${this.prefix}win:${key}`,
      at.getTime(),
      windowSeconds * 1000,
      eventId,
    );
  }

  async rate(
    key: string,
    at: Date,
    alpha: number,
  ): Promise<{ count: number; ewma: number; minutes: number } | null> {
    const [count, ewma, minutes] = await this.#redis.portcullisRateBaseline(
      `${this.prefix}rate:${key}`,
      Math.floor(at.getTime() / 60_000),
      alpha,
    );
    // A late event for a minute already folded into the baseline.
    if (count < 0) return null;
    return { count, ewma: Number(ewma), minutes };
  }

  async seenNetwork(
    key: string,
    network: string,
    at: Date,
    lookbackDays: number,
  ): Promise<{ isNew: boolean; otherNetworks: number }> {
    const [isNew, others] = await this.#redis.portcullisSeenNetwork(
      `${this.prefix}net:${key}`,
      network,
      at.getTime(),
      lookbackDays * 86_400_000,
      lookbackDays * 86_400 * 2,
    );
    return { isNew: isNew === 1, otherNetworks: others };
  }
}
