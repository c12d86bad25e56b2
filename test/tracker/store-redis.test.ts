import { after, before } from 'node:test';
import { RedisStore } from '../../src/tracker/server/store/redis.js';
import { redisAvailable, startRedis, type RedisHandle } from './redis-helper.js';
import { storeCompliance } from './store-compliance.js';

const have = redisAvailable();
let redis: RedisHandle | undefined;
if (have) {
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });
}

storeCompliance(
  'redis',
  have ? async (o) => RedisStore.connect({ url: redis!.url, prefix: `t${process.pid}:`, ...o }) : undefined,
  'redis-server not installed (apt-get install redis-server)',
);
