"""The summary bench/tiles/paths.lua prints at the end of a wrk run (a line
`WRK_JSON {...}`), as the soak and the edits bench read it from wrk's log."""
import json
import re

ERRORS = ["errors_connect", "errors_read", "errors_write", "errors_status", "errors_timeout"]


def read(log):
    """(summary, None) with "errors" = the sum of its error counts, or
    (None, the log's last 200 characters) when wrk printed no summary."""
    text = open(log).read()
    m = re.search(r"WRK_JSON (\{.*\})", text)
    if not m:
        return None, text.strip()[-200:]
    j = json.loads(m.group(1))
    j["errors"] = sum(j[k] for k in ERRORS)
    return j, None


def errors(j):
    """The errors as 'total (connect/read/write/status/timeout)'."""
    return (f"{j['errors']} ({j['errors_connect']}/{j['errors_read']}/{j['errors_write']}/"
            f"{j['errors_status']}/{j['errors_timeout']})")
