"""Calm error pages in the app's layout (JSON for the API), never a stack trace."""
from __future__ import annotations

from flask import (
    Flask,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, default_exceptions

from .extensions import db
from .pdf_pool import RenderBusy, RenderProblem, RenderTimeout

MESSAGES = {
    400: ("Something in that request was not right",
          "The page could not understand what was sent. Go back and try again."),
    403: ("Not allowed", "Your role does not allow this. Ask an administrator if you need it."),
    404: ("Not found", "There is nothing at this address. It may have been moved or mistyped."),
    405: ("Not allowed here", "That action is not available at this address."),
    413: ("Too much at once", "What was sent is too large. Send less and try again."),
    429: ("Too many attempts", "Please wait a minute before trying again."),
    500: ("Something went wrong on our side",
          "The error has been logged. Please try again; nothing half-done was saved."),
    503: ("vendortrack is briefly unavailable",
          "The database did not answer. Please try again in a moment; nothing was lost."),
}


def http_error(status: int, detail: str) -> HTTPException:
    """An HTTP error to raise whose message, in the user's words, reaches the page or the JSON
    (instead of the generic text for its status)."""
    error = default_exceptions[status](detail)
    error.custom_detail = True
    return error


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, title: str, detail: str, *, more: dict | None = None, **extra):
    """The API's error body ``{"error": {status, title, detail, **more}, **extra}``."""
    return make_response(jsonify({"error": {"status": status, "title": title,
                                            "detail": detail, **(more or {})}, **extra}), status)


def json_body(required: bool = True):
    """The request's JSON body (None when there is none and it is not ``required``).

    Raises a 400 in the user's words when the body is not JSON or nests too deeply to read
    (the parser would otherwise give up with a RecursionError).
    """
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:
        abort(json_error(400, "JSON nested too deeply", "The JSON nests lists or objects too "
                                                        "deeply to read; nothing was saved."))
    if data is None and required:
        abort(json_error(400, "Not JSON", "Send the engagement as a JSON object with "
                                          "Content-Type: application/json."))
    return data


def error_response(status: int, detail: str | None = None, *, standalone: bool = False):
    """The error as JSON for the API, else a page in the app's layout.

    ``standalone`` renders a page that needs nothing from the database (not even the
    signed-in user), for when the database itself is the problem.
    """
    title, text = MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        return json_error(status, title, detail or text)
    context = {"status": status, "title": title, "text": detail or text}
    if not standalone:
        try:
            return make_response(render_template("errors/error.html", **context), status)
        except Exception:  # the layout itself failed; fall back to the bare page
            db.session.rollback()
    # Rendered without context processors: they would ask the database for the user.
    template = current_app.jinja_env.get_template("errors/standalone.html")
    return make_response(template.render(path=request.path, **context), status)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, "The form had expired or was sent from elsewhere. "
                                   "Reload the page and send it again; nothing was saved.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        detail = error.description if getattr(error, "custom_detail", False) else None
        if error.code == 429 and not detail:
            detail = ("Too many sign-in attempts. Please wait a minute and try again."
                      if request.endpoint == "auth.login" else
                      "You asked for many PDFs in a short time. Please wait a minute and try "
                      "again." if request.path.endswith(".pdf") else None)
        response = error_response(error.code, detail)
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(RenderProblem)
    def render_problem(problem):
        limit = current_app.config["PDF_TIMEOUT"]
        if isinstance(problem, RenderBusy):
            detail = ("vendortrack is busy rendering other PDFs. Please try again in a moment; "
                      "nothing was lost.")
        elif isinstance(problem, RenderTimeout):
            app.logger.warning("PDF render stopped after %s s on %s", limit, request.path)
            detail = (f"This PDF took longer than {limit:g} seconds to render and was stopped. "
                      "Shorten the longest texts of the annex, or try again later.")
        else:
            app.logger.error("PDF render failed on %s: %s", request.path, problem)
            return error_response(500, "The PDF could not be rendered. Please try again; if it "
                                       "keeps failing, tell your administrator.")
        response = error_response(503, detail)
        response.headers["Retry-After"] = str(RenderBusy.retry_after)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        db.session.rollback()
        app.logger.error("database error on %s %s: %s", request.method, request.path, error)
        if isinstance(error, OperationalError):
            response = error_response(503, standalone=True)
            response.headers["Retry-After"] = "5"
            return response
        return error_response(500, standalone=True)

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
