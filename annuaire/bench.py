"""What `make bench` reads on each response besides time: the number of SQL queries the
request ran, in an `X-Query-Count` header.

Installed only when BENCH_QUERY_COUNT=1 (bench/run.py sets it for its own server); a
production server never carries it.
"""

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        # A streamed body runs more queries after the headers leave: counted up to then.
        response["X-Query-Count"] = (
            f"{counter.count}+" if response.streaming else str(counter.count)
        )
        return response


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
