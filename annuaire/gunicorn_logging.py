"""gunicorn's access log without the magic links' secrets.

The owner's edit link, the « still accurate » link and the submission's confirmation link
carry their token in the path (`/mon-entreprise/<token>/`). gunicorn logs the request line,
and the next request's Referer repeats it: anyone reading the logs could use a link that was
not spent yet. This logger writes `[secret]` in place of each token, in every logged value.
Written by hand because gunicorn has no redaction setting; `gunicorn.conf.py` selects it.
"""

import re

from gunicorn.glogging import Logger

SECRET_PATH = re.compile(r"(/(?:referencer/confirmer|mon-entreprise|fiche-a-jour)/)[^/?#\s\"]+")


def redact(value):
    """`value` with every magic-link token replaced by « [secret] »."""
    return SECRET_PATH.sub(r"\1[secret]", value) if isinstance(value, str) else value


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) for key, value in atoms.items()}
