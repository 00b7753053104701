"""The access log, written by gunicorn's own logger as the servers run it, never shows a
magic link's token (a link not yet spent works for whoever reads the logs)."""

import datetime
import types

from gunicorn.config import Config

from annuaire.gunicorn_logging import RedactingLogger

TOKEN = "AbC123-secret_token.xyz"


def test_the_access_log_hides_magic_link_tokens(tmp_path):
    log_file = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log_file))
    logger = RedactingLogger(config)
    for path in (
        f"/mon-entreprise/{TOKEN}/",
        f"/fiche-a-jour/{TOKEN}/",
        f"/referencer/confirmer/{TOKEN}/?suite=1",
    ):
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": path,
            "PATH_INFO": path,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.9",
            # The next page's request repeats the link in its Referer.
            "HTTP_REFERER": f"https://annuaire.example{path}",
        }
        response = types.SimpleNamespace(status="200 OK", sent=512, headers=[])
        request = types.SimpleNamespace(headers=[("REFERER", f"https://annuaire.example{path}")])
        logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    written = log_file.read_text()
    assert written.count("[secret]") == 6  # request line and Referer, three links
    assert TOKEN not in written
    assert '"GET /mon-entreprise/[secret]/ HTTP/1.1" 200 512' in written


def test_gunicorn_started_from_the_project_uses_this_logger(project_root):
    config = Config()
    namespace = {}
    exec((project_root / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 (our file)
    config.set("logger_class", namespace["logger_class"])
    assert config.logger_class is RedactingLogger
