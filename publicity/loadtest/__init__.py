"""The load test (`make bench-load`): a published round, gunicorn, locust, a table.

Nothing here runs in the test suite except the table writer (`report`); the locustfile is
only ever imported by locust itself (it monkey-patches the standard library with gevent).
"""
