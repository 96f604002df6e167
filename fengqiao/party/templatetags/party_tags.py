from django import template

from fengqiao.core.permissions import Action, Module

register = template.Library()


@register.simple_tag
def may_see_violations(user):
    """Whether the violation register (not only its count) is open to the user."""
    return bool(getattr(user, "is_authenticated", False) and user.has_action(Module.PARTY, Action.VIEW_SENSITIVE))
