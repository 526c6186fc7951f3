"""The live coach in the browser: a web view of the guided session (``dorsi coach``)."""

from .access import AccessPolicy, new_token
from .app import create_app
from .hub import CoachHub, RenderReport
from .report_page import build_report_html, publish_report
from .server import CoachServer

__all__ = ["AccessPolicy", "CoachHub", "CoachServer", "RenderReport", "build_report_html", "create_app",
           "new_token", "publish_report"]
