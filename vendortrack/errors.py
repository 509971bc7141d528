"""Calm error pages in the app's layout (JSON for the API), never a stack trace."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db

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


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, detail: str | None = None):
    title, text = MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        return jsonify({"error": {"status": status, "title": title,
                                  "detail": detail or text}}), status
    return render_template("errors/error.html", status=status, title=title,
                           text=detail or text), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, "The form had expired or was sent from elsewhere. "
                                   "Reload the page and send it again; nothing was saved.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        detail = error.description if getattr(error, "custom_detail", False) else None
        if error.code == 429:
            detail = ("Too many sign-in attempts. Please wait a minute and try again."
                      if request.endpoint == "auth.login" else None)
        response = make_response(error_response(error.code, detail))
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        db.session.rollback()
        app.logger.error("database error on %s %s: %s", request.method, request.path, error)
        if isinstance(error, OperationalError):
            response = make_response(error_response(503))
            response.headers["Retry-After"] = "5"
            return response
        return error_response(500)

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
