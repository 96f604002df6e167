"""Indicators of law-enforcement supervision for the construction standard (item 6): every figure
of the module's figures contract, as `supervision.<code>`."""

from fengqiao.assessment.indicators import register_figures
from fengqiao.core.permissions import Module

from . import selectors

register_figures("supervision", Module.SUPERVISION, selectors)
