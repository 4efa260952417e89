"""Puts a view's exception into its 500 response, so that the HTTP exchange is the evidence."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.deprecation import MiddlewareMixin

EXCEPTION_HEADER = "X-Conformance-Exception"


class ExceptionInResponse(MiddlewareMixin):
    """Answer an uncaught view exception with 500 and its class and message.

    With ``DEBUG = False`` Django's own 500 page says nothing of the cause; the checks must
    tell ``SynchronousOnlyOperation`` from any other failure over HTTP, as a client sees it.
    ``MiddlewareMixin`` makes it async-capable, so async views stay on the event loop.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> JsonResponse:
        response = JsonResponse(
            {"exception": type(exception).__name__, "message": str(exception)[:500]}, status=500
        )
        response[EXCEPTION_HEADER] = type(exception).__name__
        return response
