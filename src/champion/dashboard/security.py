"""HTTP hardening of the dashboard: security headers on every response, debug off, /health,
and the login form (server-rendered HTML with a CSRF token; ``auth`` decides who logs in).

``harden(app)`` is called by ``create_app`` after every page and callback is registered, so the
headers are the same under gunicorn, Dash's development server and the Flask test client. The
Content-Security-Policy allows only what the Dash app needs in Chromium; why each source is
there is in docs/access-control.md.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import dash
import flask
from markupsafe import escape

from champion.dashboard import ids
from champion.errors import ChampionError
from champion.presentation.i18n import t

HEALTH_ENDPOINT = "champion_health"
SECRET_KEY_ENV = "CHAMPION_SECRET_KEY"
MIN_SECRET_KEY = 32
SESSION_LIFETIME = timedelta(hours=12)
CSRF_KEY = "csrf_token"  # the login form's field and the session key holding its token

# Everything comes from the dashboard's own origin (Bootstrap and plotly.js are served from the
# package, no CDN). The exceptions, each needed by the page to work:
CSP_BASE: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    # No 'unsafe-inline' and no 'unsafe-eval' for scripts: Dash's inline scripts are allowed by
    # their hashes (added per app); the charts used here (SVG, no WebGL) need no eval.
    "script-src": ("'self'",),
    # dcc, plotly.js and AG Grid insert <style> elements and style attributes whose content
    # changes at run time: no hash can list them.
    "style-src": ("'self'", "'unsafe-inline'"),
    # data: Bootstrap's radios, checkboxes and select arrows are data: SVG images;
    # blob: plotly's "download plot as PNG" draws the chart through a blob: image.
    "img-src": ("'self'", "data:", "blob:"),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The MLflow UI links open another site: it learns the origin at most, never the page.
    "Referrer-Policy": "same-origin",
}


def content_security_policy(app: dash.Dash) -> str:
    """The CSP of app: CSP_BASE, with the hashes of Dash's inline scripts (its renderer start
    and any clientside callbacks) added to script-src, so no other inline script runs."""
    directives = dict(CSP_BASE)
    directives["script-src"] = (*directives["script-src"], *app.csp_hashes())
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def health() -> flask.Response:
    """200 "ok" while the process serves requests (for load balancers and orchestrators)."""
    response = flask.make_response("ok", 200)
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    return response


def harden(app: dash.Dash) -> None:
    """Turn Flask's debug mode off (whatever FLASK_DEBUG says: the Werkzeug debugger runs code
    typed into a page), add GET /health, and set the security headers on every response."""
    server = app.server
    server.debug = False
    server.add_url_rule("/health", HEALTH_ENDPOINT, health, methods=["GET"])

    def add_headers(response: flask.Response) -> flask.Response:
        # Computed per response (hashing a few short scripts) so that inline scripts Dash adds
        # after start-up are covered too.
        response.headers["Content-Security-Policy"] = content_security_policy(app)
        response.headers.update(STATIC_HEADERS)
        return response

    server.after_request(add_headers)


# --------------------------------------------------------------------------- sessions


def secret_key_from(configured: str | None) -> str | None:
    """The session signing key: configured, else $CHAMPION_SECRET_KEY, else None; a
    ChampionError when it is shorter than MIN_SECRET_KEY characters."""
    key = configured or os.environ.get(SECRET_KEY_ENV) or None
    if key is not None and len(key) < MIN_SECRET_KEY:
        raise ChampionError(
            f"the session secret key has {len(key)} characters; use at least {MIN_SECRET_KEY}, "
            f'e.g. {SECRET_KEY_ENV}=$(python -c "import secrets; print(secrets.token_hex(32))").'
        )
    return key


def configure_sessions(app: dash.Dash, secret_key: str | None) -> None:
    """Sign app's session cookies with secret_key (see secret_key_from; a random key of this
    process when there is none, with a warning) and make them HttpOnly, SameSite=Lax and
    valid for SESSION_LIFETIME."""
    key = secret_key_from(secret_key)
    if key is None:
        key = secrets.token_hex(32)
        logging.getLogger("champion.dashboard").warning(
            "no %s set: sessions are signed with a random key of this process, so logins end "
            "when it restarts and are not shared between several workers.",
            SECRET_KEY_ENV,
        )
    app.server.secret_key = key
    app.server.config.update(
        SESSION_COOKIE_NAME="champion_session",
        SESSION_COOKIE_HTTPONLY=True,
        # Lax: the cookie is not sent with cross-site POSTs, so another site cannot make a
        # logged-in browser call a write callback or log it in or out.
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )


# --------------------------------------------------------------------------- the login form


def safe_next(target: str | None) -> str:
    """target if it is a path on this site, else "/" (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {heading}</title><link rel="icon" href="{favicon}">{links}
</head><body class="bg-light"><main class="container login-box">
<h1 class="h4 mb-3">{title}</h1>{error}
<form method="post" action="{action}" id="{form_id}">
<input type="hidden" name="csrf_token" value="{token}">
<input type="hidden" name="next" value="{next}">
<div class="mb-3"><label class="form-label" for="{name_id}">{name_label}</label>
<input class="form-control" id="{name_id}" name="name" value="{name}" autocomplete="username"
 required autofocus></div>
<div class="mb-3"><label class="form-label" for="{password_id}">{password_label}</label>
<input class="form-control" id="{password_id}" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit" id="{submit_id}">{submit}</button>
</form></main></body></html>
"""


LANG_KEY = "champion.lang"  # the server's default language, in the Flask app's config


def request_language(app: dash.Dash) -> str:
    """The language of a server-rendered page: the browser's preference between English and
    Japanese (Accept-Language), else the server's --lang."""
    default = str(app.server.config.get(LANG_KEY, "en"))
    return flask.request.accept_languages.best_match(["en", "ja"], default=default) or default


def login_page(
    app: dash.Dash, status: int = 200, *, error: str = "", name: str = ""
) -> flask.Response:
    """The server-rendered login form (no script: it works before any login), with this
    session's CSRF token, the page to return to, and an error (an i18n key) if there is one;
    in the browser's language (see request_language)."""
    lang = request_language(app)
    token = flask.session.setdefault(CSRF_KEY, secrets.token_urlsafe(32))
    links = "".join(
        f'<link rel="stylesheet" href="{escape(app.get_asset_url(sheet))}">'
        for sheet in ("bootstrap.min.css", "champion.css")
    )
    text = t(error, lang) if error else ""
    notice = f'<div class="alert alert-danger" id="{ids.LOGIN_ERROR}">{escape(text)}</div>'
    html = _PAGE.format(
        lang=lang,
        heading=escape(t("login.title", lang)),
        name_label=escape(t("login.name", lang)),
        password_label=escape(t("login.password", lang)),
        submit=escape(t("login.submit", lang)),
        title=escape(t("title", lang)),
        favicon=escape(f"{app.config.requests_pathname_prefix}_favicon.ico"),
        links=links,
        error=notice if error else "",
        action=escape(flask.request.path),
        token=escape(token),
        next=escape(safe_next(flask.request.values.get("next"))),
        name=escape(name),
        form_id=ids.LOGIN_FORM,
        name_id=ids.LOGIN_NAME,
        password_id=ids.LOGIN_PASSWORD,
        submit_id=ids.LOGIN_SUBMIT,
    )
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def form_token_valid() -> bool:
    """Whether the posted form carries this session's CSRF token. A form posted from another
    site does not: the SameSite=Lax session cookie (and with it the token) is not sent."""
    held = flask.session.get(CSRF_KEY)
    sent = flask.request.form.get(CSRF_KEY, "")
    valid = isinstance(held, str) and hmac.compare_digest(held, sent)
    if not valid:
        flask.session.pop(CSRF_KEY, None)  # a new token with the next form
    return valid
