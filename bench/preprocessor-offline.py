"""
Runs AWS's SCP pre-processor (aws-samples/service-control-policy-preprocessor, MIT-0) from a checkout,
with its HTTP reads of the service reference answered from a snapshot directory laid out like the
endpoint (<snapshot>/v1/service-list.json, <snapshot>/v1/<service>/<service>.json), so that it and
`guardrails minimize` read the same reference in the same run, offline. It fetches with `requests.get`
(scp_preprocessor/core/actions/utils.py), looked up at call time, so replacing that function is enough.

usage: python3 preprocessor-offline.py CHECKOUT SNAPSHOT process file://POLICY [pre-processor flags]

With GUARDRAILS_BENCH_USAGE set, it writes its CPU time and peak memory there at exit, as usage-probe.ts
does for node (kilobytes, as Linux reports ru_maxrss).
"""
import atexit
import json
import os
import resource
import sys
from urllib.parse import urlparse

checkout, snapshot = sys.argv[1], sys.argv[2]

_usage_file = os.environ.get('GUARDRAILS_BENCH_USAGE')
if _usage_file:
    def _write_usage():
        u = resource.getrusage(resource.RUSAGE_SELF)
        with open(_usage_file, 'w') as f:
            json.dump({'cpuMs': (u.ru_utime + u.ru_stime) * 1000, 'maxRssKb': u.ru_maxrss}, f)
    atexit.register(_write_usage)

sys.path.insert(0, checkout)

import requests  # noqa: E402 (the pre-processor's own dependency, imported as it imports it)


class _Response:
    def __init__(self, path):
        with open(path, 'rb') as f:
            self.content = f.read()

    def raise_for_status(self):
        pass

    def json(self):
        return json.loads(self.content)


def _get(url, *args, **kwargs):
    path = urlparse(url).path.strip('/')
    # The endpoint's root answers with the service list.
    relative = os.path.join('v1', 'service-list.json') if path in ('', 'v1') else path
    return _Response(os.path.join(snapshot, relative))


requests.get = _get

from scp_preprocessor.main import main  # noqa: E402

main(sys.argv[3:])
