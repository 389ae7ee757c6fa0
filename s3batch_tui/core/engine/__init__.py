"""The engine: scheduler, worker pool, retries, rate limit, failure threshold."""
