// A real redis-server for a test file: 127.0.0.1, a free port, a temp dir, --appendonly yes,
// --maxmemory-policy noeviction, --save ''. restart() keeps port and data; stop() in afterAll.
export {
  startLocalRedis as startRedisServer,
  type LocalRedis as RedisServer,
} from '../../src/cli/local/redis-server.ts';
