"""The load test (``make loadtest``): gunicorn with several workers on a fresh PostgreSQL
database, concurrent virtual users on the common journeys, then the audit chain verified.

``python -m demo.loadtest --help`` (or ``bin/loadtest``) runs it. The driver (``runner``,
``client``, ``journeys``, ``stats``, ``totp``) uses no Django: it starts ``manage.py`` and
gunicorn as processes and talks HTTP to them. Only ``seed`` imports Django; it runs inside
``manage.py loadtest_seed``, in demo mode, because it makes users with known passwords and
second-factor secrets.
"""
