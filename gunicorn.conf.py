# gunicorn reads this file from the directory it starts in (the Docker image's /app, the
# benchmark's checkout): the access log never shows a magic link's token.
logger_class = "annuaire.gunicorn_logging.RedactingLogger"
