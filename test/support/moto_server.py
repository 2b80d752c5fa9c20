"""moto_server for the tests, without two costs paid on every request (neither changes an answer):
werkzeug's access-log line, and moto's listing of its own package directory (about 180 stat calls) to
tell a service name from a host name. Together they were a third of each call's time, and the rollout
tests make thousands of calls (the fault proxy's auditor reads the whole organization after every
write). Arguments are moto_server's."""
import sys

import moto.backends as backends
from werkzeug.serving import WSGIRequestHandler

if hasattr(backends, "list_of_moto_modules"):
    _modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: _modules
WSGIRequestHandler.log_request = lambda self, *args, **kwargs: None

from moto.server import main  # noqa: E402  (after the patches: it imports what they replace)

main(sys.argv[1:])
