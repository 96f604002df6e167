from django import template
from django.http import QueryDict

from fengqiao.core.audit import action_label
from fengqiao.core.validators import mask_id_number, mask_phone

register = template.Library()


@register.filter
def mask_id(value):
    return mask_id_number(value)


@register.filter
def audit_action(value):
    return action_label(value)


@register.filter
def mask_tel(value):
    return mask_phone(value)


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (None removes one)."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
