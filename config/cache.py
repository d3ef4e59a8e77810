"""The Redis cache backend, with one redis-py client per connection pool."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ClientPerPool(RedisCacheClient):
    """Django's client wraps the pool in a new `redis.Redis` on every cache call (a signed-in
    page reads its session that way: issue 13 measured it at a twentieth of a page's CPU).
    A `redis.Redis` holds no connection of its own: the pool does (and resets itself after a
    fork). So one client per pool serves every call. Django keeps a cache object per thread,
    so no two threads share these dicts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class PooledRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with one client per connection pool."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool
